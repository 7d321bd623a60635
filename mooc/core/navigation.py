"""The main menu: each feature's register(app) adds its entries with the predicate
that shows them."""
from dataclasses import dataclass
from typing import Callable

from flask import url_for

from mooc.core.registry import contributions


@dataclass(frozen=True)
class NavItem:
    label: object  # a lazy_gettext string
    endpoint: str
    visible: Callable
    order: int = 50


def register(app, label, endpoint, visible, order=50):
    items = contributions(app).nav_items
    if any(item.endpoint == endpoint for item in items):
        raise RuntimeError(f"menu entry {endpoint!r} added twice")
    items.append(NavItem(label, endpoint, visible, order))
    items.sort(key=lambda item: item.order)


def items_for(user):
    if not (user and user.is_authenticated):
        return []
    return [(item.label, url_for(item.endpoint))
            for item in contributions().nav_items if item.visible(user)]
