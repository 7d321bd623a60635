"""The main menu: each feature registers its entries with the predicate that shows them."""
from dataclasses import dataclass
from typing import Callable

from flask import url_for


@dataclass(frozen=True)
class NavItem:
    label: object  # a lazy_gettext string
    endpoint: str
    visible: Callable
    order: int = 50


_ITEMS: list[NavItem] = []


def register(label, endpoint, visible, order=50):
    if all(item.endpoint != endpoint for item in _ITEMS):
        _ITEMS.append(NavItem(label, endpoint, visible, order))
        _ITEMS.sort(key=lambda item: item.order)


def items_for(user):
    if not (user and user.is_authenticated):
        return []
    return [(item.label, url_for(item.endpoint)) for item in _ITEMS if item.visible(user)]
