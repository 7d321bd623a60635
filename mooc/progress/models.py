"""How far each learner is in each lesson: one summary row per user × lesson (Kolibri style).

The row is a summary, not a log: `progress` only ever grows (the service enforces it),
`data` holds kind-specific state (watched intervals for video, attempts for quizzes).
It points at the lesson id, which a package re-import keeps, so progress survives
content updates.
"""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mooc.core.models import utcnow
from mooc.extensions import db


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"
    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id", name="uq_lesson_progress_user_lesson"),
        Index("ix_lesson_progress_user_course", "user_id", "course_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"),
                                           index=True)
    # Denormalised so a course summary is one indexed query.
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    progress: Mapped[float] = mapped_column(default=0.0)  # 0–1, never decreases
    completed_at: Mapped[datetime | None]
    time_spent_seconds: Mapped[int] = mapped_column(default=0)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_complete(self):
        return self.completed_at is not None


class CourseCompletion(db.Model):
    """A learner finished a course: the fact study hours (学时) and certificates rest on.

    One row per user × course, written when the last required lesson completes and
    re-derivable from lesson progress (`flask --app mooc progress recompute`). `year` is
    the calendar year of completion in the site's time zone, so annual hours are one
    indexed SUM; `hours` is the course's credit at completion time.
    """
    __tablename__ = "course_completion"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id", name="uq_course_completion_user_course"),
        Index("ix_course_completion_user_year", "user_id", "year"),
        Index("ix_course_completion_course_year", "course_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    completed_at: Mapped[datetime]
    year: Mapped[int]
    hours: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HourRequirement(db.Model):
    """An admin's override of one annual study-hour requirement (学时要求).

    Keys name who the rule applies to: ``category:<member category>``,
    ``role:<role>`` or ``committee`` (党委委员). Keys without a row use the defaults in
    mooc.progress.hours, so the table only holds what an admin changed (rows are
    written the first time the settings page is saved).
    """
    __tablename__ = "hour_requirement"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    hours: Mapped[float] = mapped_column(default=0.0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class CommitteeMember(db.Model):
    """A 党委委员: the user account carries no such flag, so admins list them here."""
    __tablename__ = "committee_member"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
