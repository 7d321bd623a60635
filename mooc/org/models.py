"""The party organisation tree: 党委 → 党总支 → 党支部 → 党小组, any depth.

Each unit stores its materialised path ("/1/4/9/"), so "everything under X" is a
single indexed range scan on `path` (see `subtree_filter`).
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mooc.core.models import utcnow
from mooc.extensions import db

ORG_KINDS = {
    "committee": _l("党委"),
    "general_branch": _l("党总支"),
    "branch": _l("党支部"),
    "group": _l("党小组"),
}
ORG_KIND_BY_LABEL = {"党委": "committee", "党总支": "general_branch",
                     "党支部": "branch", "党小组": "group"}

# Byte-wise ordering makes the range scan exact; PostgreSQL needs the "C" collation for it.
PathString = String(255).with_variant(String(255, collation="C"), "postgresql")


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), default="branch")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    path: Mapped[str] = mapped_column(PathString, index=True, default="")
    depth: Mapped[int] = mapped_column(default=0)
    sort_order: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent = relationship("Organisation", remote_side=[id], back_populates="children")
    children = relationship("Organisation", back_populates="parent",
                            order_by="Organisation.sort_order, Organisation.id")

    @property
    def kind_label(self):
        return ORG_KINDS.get(self.kind, self.kind)

    def is_within(self, other):
        """True when self is other or lies under it."""
        return other is not None and self.path.startswith(other.path)

    def __repr__(self):
        return f"<Organisation {self.id} {self.name}>"


def subtree_filter(column, path):
    """SQL condition: `column` (a path column) lies in the subtree rooted at `path`.

    Written as a range, not LIKE, so SQLite and PostgreSQL both use the index:
    every path under "/1/4/" sorts between "/1/4/" and "/1/40" ('0' follows '/').
    """
    upper = path[:-1] + chr(ord("/") + 1)
    return (column >= path) & (column < upper)
