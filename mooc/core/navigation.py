"""The main menu: each feature's register(app) adds its entries with the predicate
that shows them. Entries fall into three groups by role — 学习 (everyone), 教学
(instructors) and 管理 (leads and administrators); the header shows one menu per group."""
from dataclasses import dataclass
from typing import Callable

from flask import request, url_for
from flask_babel import lazy_gettext as _l

from mooc.core.registry import contributions

GROUPS = {"learn": _l("学习"), "teach": _l("教学"), "manage": _l("管理")}


def default_group(order):
    """Callers that give no group keep working: the order already says where an entry
    belongs (learning pages < 50, teaching 50–69, management 70 and up)."""
    if order < 50:
        return "learn"
    return "teach" if order < 70 else "manage"


@dataclass(frozen=True)
class NavItem:
    label: object  # a lazy_gettext string
    endpoint: str
    visible: Callable
    order: int = 50
    group: str = "learn"


def register(app, label, endpoint, visible, order=50, group=None):
    group = group or default_group(order)
    if group not in GROUPS:
        raise ValueError(f"unknown menu group {group!r}; one of {sorted(GROUPS)}")
    items = contributions(app).nav_items
    if any(item.endpoint == endpoint for item in items):
        raise RuntimeError(f"menu entry {endpoint!r} added twice")
    items.append(NavItem(label, endpoint, visible, order, group))
    items.sort(key=lambda item: item.order)


def items_for(user):
    if not (user and user.is_authenticated):
        return []
    return [(item.label, url_for(item.endpoint))
            for item in contributions().nav_items if item.visible(user)]


def groups_for(user):
    """[(key, label, [(label, href, current)])] for the groups this user sees, in
    GROUPS order; empty groups are left out."""
    if not (user and user.is_authenticated):
        return []
    endpoint = request.endpoint if request else None
    grouped = {key: [] for key in GROUPS}
    for item in contributions().nav_items:
        if item.visible(user):
            grouped[item.group].append((item.label, url_for(item.endpoint),
                                        item.endpoint == endpoint))
    return [(key, GROUPS[key], entries) for key, entries in grouped.items() if entries]
