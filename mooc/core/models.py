"""Cross-cutting records: the audit log and background jobs users can watch."""
from datetime import datetime, timezone

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mooc.extensions import db


def utcnow():
    """Naive UTC: SQLite keeps no zone, so every timestamp is stored as UTC."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    # The unit the event concerns (a member's unit, or the unit itself), so a lead's
    # log is a subtree filter; the address the request came from.
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    ip: Mapped[str | None] = mapped_column(String(64))

    actor = relationship("User", lazy="joined")


class BackgroundJob(db.Model):
    """One row per slow task, so the person who started it can see where it is."""
    __tablename__ = "background_job"

    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    progress: Mapped[float] = mapped_column(default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
