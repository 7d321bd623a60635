"""The home page (/home) is made of panels the features contribute: each feature's
register(app) calls `register(app, key, template, build, visible, order)`. `build(user)`
returns the template's context (a dict) or None to leave the panel out; it must run a
small, fixed number of queries whatever the user's history (tests/core/test_home.py
counts them), since every role opens this page."""
from dataclasses import dataclass
from typing import Callable

from mooc.core.registry import contributions


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    build: Callable
    visible: Callable
    order: int = 50


def register(app, key, template, build, visible, order=50):
    panels = contributions(app).home_panels
    if any(panel.key == key for panel in panels):
        raise RuntimeError(f"home panel {key!r} added twice")
    panels.append(Panel(key, template, build, visible, order))
    panels.sort(key=lambda panel: panel.order)


def panels_for(user):
    """[(panel, context)] in order, for the panels this user sees that have content."""
    shown = []
    for panel in contributions().home_panels:
        if panel.visible(user):
            context = panel.build(user)
            if context is not None:
                shown.append((panel, context))
    return shown
