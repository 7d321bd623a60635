"""结业证书: one row per certificate ever issued, valid or revoked.

A learner gets one certificate per course (generation 1, issued when the course is
completed); an admin's reissue adds generation 2, 3 … and marks the old one revoked
and `replaced_by` the new one. The unique (user, course, generation) constraint is
what makes issuing idempotent under concurrent requests.

The name, course title, hours and completion time are copied in at issue time: the
PDF prints them and the public verification page must say the same thing years
later, whatever happens to the profile or the course afterwards (a deleted course
leaves `course_id` NULL; the certificate stays verifiable).
"""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mooc.core.models import utcnow
from mooc.extensions import db

VALID, REVOKED = "valid", "revoked"


class Certificate(db.Model):
    __tablename__ = "certificate"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id", "generation",
                         name="uq_certificate_user_course_generation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(48), unique=True)  # canonical DJMK-… form
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id", ondelete="SET NULL"),
                                                  index=True)
    generation: Mapped[int] = mapped_column(default=1)
    learner_name: Mapped[str] = mapped_column(String(64))
    course_title: Mapped[str] = mapped_column(String(200))
    hours: Mapped[float] = mapped_column(default=0.0)
    completed_at: Mapped[datetime]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=VALID)
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str] = mapped_column(Text, default="")
    replaced_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate.id", ondelete="SET NULL"))
    # The rendered PDF in content-addressed storage; None until the job has run.
    pdf_key: Mapped[str | None] = mapped_column(String(80), index=True)
    render_job_id: Mapped[int | None] = mapped_column(
        ForeignKey("background_job.id", ondelete="SET NULL"))

    user = relationship("User", foreign_keys=[user_id])
    course = relationship("Course")
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])
    replaced_by = relationship("Certificate", remote_side=[id])
    render_job = relationship("BackgroundJob")

    @property
    def is_valid(self):
        return self.status == VALID

    def __repr__(self):
        return f"<Certificate {self.serial} {self.status}>"
