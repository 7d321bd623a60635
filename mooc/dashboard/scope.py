"""Whose numbers a dashboard viewer may see: their scope in the organisation tree.

A branch lead's scope is their own subtree; `unit_id` outside it is ignored, never
an error, so a hand-edited URL shows the lead's own numbers and nothing more.
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from mooc.accounts.models import User
from mooc.core.permissions import can_view_org, is_admin
from mooc.extensions import db
from mooc.org.models import Organisation


class NoScope(PermissionError):
    """The viewer has no subtree to look at (a branch lead without a unit)."""


@dataclass
class Scope:
    viewer: User
    base: Organisation | None    # the viewer's limit (None: the whole site)
    root: Organisation | None    # the unit being looked at, within base

    @property
    def path(self):
        return self.root.path if self.root is not None else None

    @property
    def name(self):
        return self.root.name if self.root is not None else _l("全部组织")


def scope_for(viewer, unit_id=None):
    """The viewer's scope, narrowed to `unit_id` when that unit is theirs to see."""
    if is_admin(viewer):
        base = None
    elif getattr(viewer, "org", None) is not None and can_view_org(viewer, viewer.org):
        base = viewer.org
    else:
        raise NoScope()
    root = base
    if unit_id is not None:
        unit = db.session.get(Organisation, unit_id)
        if unit is not None and can_view_org(viewer, unit) and (base is None
                                                                 or unit.is_within(base)):
            root = unit
    return Scope(viewer=viewer, base=base, root=root)


def parse_id(value):
    """A positive id from a query-string value, or None (bad input is ignored)."""
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None

