"""Histories kept for members: category steps and transfers between units."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mooc.core.models import utcnow
from mooc.extensions import db


class CategoryChange(db.Model):
    """One step of a member's 政治面貌, e.g. 发展对象 → 预备党员 on 2026-07-01."""
    __tablename__ = "category_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    old_category: Mapped[str] = mapped_column(String(20))
    new_category: Mapped[str] = mapped_column(String(20))
    effective_on: Mapped[date]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor = relationship("User", foreign_keys=[actor_id])


PENDING, ACCEPTED, DECLINED, CANCELLED = "pending", "accepted", "declined", "cancelled"
TRANSFER_STATUSES = {PENDING: _l("待接收"), ACCEPTED: _l("已接收"), DECLINED: _l("已拒绝"),
                     CANCELLED: _l("已撤回")}


class Transfer(db.Model):
    """组织关系转接: a member moving from one unit to another, accepted by the receiver."""
    __tablename__ = "member_transfer"
    __table_args__ = (Index("ix_member_transfer_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    from_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"))
    to_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    note: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    user = relationship("User", foreign_keys=[user_id])
    from_org = relationship("Organisation", foreign_keys=[from_org_id])
    to_org = relationship("Organisation", foreign_keys=[to_org_id])
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def status_label(self):
        return TRANSFER_STATUSES.get(self.status, self.status)
