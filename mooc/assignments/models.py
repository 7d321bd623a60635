"""Required-course assignments and in-site notifications.

An `Assignment` makes one course required for an audience: an organisation subtree
(None = the whole site, admins only) and, optionally, some member categories
(政治面貌). The audience is matched in SQL (see `mooc.assignments.audience`), never by
expanding it into one row per member: a 10,000-member committee stays one row.
"""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mooc.accounts.models import CATEGORIES
from mooc.core.models import utcnow
from mooc.extensions import db


def categories_text(categories):
    """["probationary", "candidate"] → "|candidate|probationary|" ("" = every category).

    One column instead of a child table keeps audience matching inside the same join
    (a LIKE on this row), as `Question.tags_text` does for tags.
    """
    clean = sorted({c for c in categories or [] if c})
    return "|" + "|".join(clean) + "|" if clean else ""


class Assignment(db.Model):
    __tablename__ = "assignment"
    __table_args__ = (Index("ix_assignment_starts_due", "starts_on", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"),
                                           index=True)
    # Root of the audience subtree; None means every member of the site.
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    categories: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date]
    due_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    course = relationship("Course", lazy="joined")
    org = relationship("Organisation", lazy="joined")
    created_by = relationship("User")

    @property
    def category_list(self):
        return [c for c in self.categories.split("|") if c]

    @property
    def category_labels(self):
        return [CATEGORIES.get(c, c) for c in self.category_list]

    def __repr__(self):
        return f"<Assignment {self.id} course={self.course_id} org={self.org_id}>"


DUE_SOON, OVERDUE, LEAD_REMINDER = "due_soon", "overdue", "lead_reminder"
NOTIFICATION_KINDS = {DUE_SOON: _l("即将到期"), OVERDUE: _l("已逾期"),
                      LEAD_REMINDER: _l("书记提醒")}


class Notification(db.Model):
    """One message in a member's in-site inbox (通知).

    `dedupe_key` ("kind:assignment:user:day") is unique, so a reminder run that is
    repeated, or two that overlap, inserts nothing twice: the database decides.
    Title and body are stored as sent (Chinese), like a letter.
    """
    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_read", "user_id", "read_at"),
        Index("ix_notification_assignment_kind_user", "assignment_id", "kind", "user_id"),
        Index("ix_notification_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(300), default="")
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignment.id", ondelete="SET NULL"))
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]

    @property
    def is_read(self):
        return self.read_at is not None

    @property
    def kind_label(self):
        return NOTIFICATION_KINDS.get(self.kind, self.kind)
