"""Course completion: derived from lesson progress, written once, creditable as 学时.

Each lesson kind decides when *its* lesson is complete and says so through
`progress.services.record_progress`; that function calls `update_course_completion`
whenever a lesson becomes complete. A course is complete when every lesson it is
measured on (`counted_lessons`: the published required lessons, or all
published lessons when none is marked required) is complete.

The CourseCompletion row is a fact derived from stored facts: `completed_at` is the
moment the last counted lesson was completed, `year` that moment's calendar year in
the site's time zone, `hours` the course's credit when the row was written. So
`recompute` can rebuild missing rows with the same numbers.

Exactly once, also under concurrency: the row is inserted with INSERT … ON CONFLICT
DO NOTHING against the (user, course) unique constraint (SQLite and PostgreSQL; a
savepoint elsewhere), and only the request whose insert created it issues the
certificate.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select

from mooc.accounts.models import User
from mooc.catalog.models import Course, Lesson
from mooc.core.calendar import local_year
from mooc.core.models import utcnow
from mooc.core.registry import contributions
from mooc.core.sql import insert_ignoring_conflict
from mooc.extensions import db
from mooc.progress.models import CourseCompletion, LessonProgress

# --------------------------------------------------------------------------
# Is the course complete?
# --------------------------------------------------------------------------

def counted_lessons(lessons):
    """The lessons a course's completion is measured on."""
    published = [l for l in lessons if l.published]
    required = [l for l in published if l.required]
    return required or published


def counted_lesson_ids(course_id: int) -> list[int]:
    """Ids of the lessons completion is measured on, read fresh from the database."""
    lessons = db.session.execute(select(Lesson.id, Lesson.published, Lesson.required)
                                 .where(Lesson.course_id == course_id)).all()
    return [l.id for l in counted_lessons(lessons)]


def completion_moment(user_id: int, counted_ids: list[int]) -> datetime | None:
    """When the last counted lesson was completed, or None while one is still open."""
    if not counted_ids:
        return None  # a course with nothing to study cannot be completed
    done = dict(db.session.execute(
        select(LessonProgress.lesson_id, LessonProgress.completed_at).where(
            LessonProgress.user_id == user_id, LessonProgress.lesson_id.in_(counted_ids),
            LessonProgress.completed_at.is_not(None))).all())
    if any(lesson_id not in done for lesson_id in counted_ids):
        return None
    return max(done.values())


def completion_for(user_id: int, course_id: int) -> CourseCompletion | None:
    return db.session.scalar(select(CourseCompletion).where(
        CourseCompletion.user_id == user_id, CourseCompletion.course_id == course_id))


def _write_completion(user, course, completed_at: datetime) -> tuple[CourseCompletion, bool]:
    created = insert_ignoring_conflict(CourseCompletion, dict(
        user_id=user.id, course_id=course.id, completed_at=completed_at,
        year=local_year(completed_at), hours=float(course.credit_hours or 0.0),
        created_at=utcnow()), ["user_id", "course_id"])
    completion = completion_for(user.id, course.id)
    if created:
        # Only the writer of the row tells the listeners (certificates), so a race
        # cannot issue two certificates.
        for listener in contributions().completion_listeners:
            listener(user, course, completion)
    return completion, created


def update_course_completion(user, course) -> tuple[CourseCompletion | None, bool]:
    """Record that `user` completed `course` if they now have: (completion, created).

    Called by record_progress whenever a lesson becomes complete; safe to call any
    time (an existing completion is returned unchanged: hours are credited once, in
    the year they were earned). The caller commits.
    """
    existing = completion_for(user.id, course.id)
    if existing is not None:
        return existing, False
    completed_at = completion_moment(user.id, counted_lesson_ids(course.id))
    if completed_at is None:
        return None, False
    return _write_completion(user, course, completed_at)


# --------------------------------------------------------------------------
# Recompute: rebuild completions from lesson progress
# --------------------------------------------------------------------------

@dataclass
class RecomputeReport:
    checked: int = 0                                  # user × course pairs looked at
    created: list = field(default_factory=list)      # (username, course title, year, hours)
    year_fixed: list = field(default_factory=list)   # (username, course title, old, new)
    stale: list = field(default_factory=list)        # completed once, not complete now
    removed: list = field(default_factory=list)      # stale rows deleted (--prune)

    @property
    def differences(self):
        return len(self.created) + len(self.year_fixed) + len(self.stale)


def recompute(user=None, *, prune=False, batch=200) -> RecomputeReport:
    """Make CourseCompletion agree with LessonProgress (for one user, or everyone).

    * a complete course without a row gets one (year and `completed_at` from the lesson
      progress, hours from the course's current credit), and its certificate;
    * a row whose year disagrees with its `completed_at` (the site's time zone
      changed) gets the right year;
    * a row whose course is no longer complete (a required lesson was added later) is
      reported as stale and kept: hours already earned are not taken back. With
      `prune=True` it is deleted — unless a certificate was issued for it, since a
      certificate in someone's hands must keep its hours.

    Commits every `batch` users, so a long run does not hold the write lock.
    """

    report = RecomputeReport()
    pairs = select(LessonProgress.user_id, LessonProgress.course_id).where(
        LessonProgress.completed_at.is_not(None)).distinct()
    rows = select(CourseCompletion.user_id, CourseCompletion.course_id)
    if user is not None:
        pairs = pairs.where(LessonProgress.user_id == user.id)
        rows = rows.where(CourseCompletion.user_id == user.id)
    by_user: dict[int, set[int]] = {}
    for user_id, course_id in list(db.session.execute(pairs)) + list(db.session.execute(rows)):
        by_user.setdefault(user_id, set()).add(course_id)

    counted_cache: dict[int, list[int]] = {}
    for index, user_id in enumerate(sorted(by_user)):
        person = db.session.get(User, user_id)
        for course_id in sorted(by_user[user_id]):
            report.checked += 1
            course = db.session.get(Course, course_id)
            if course_id not in counted_cache:
                counted_cache[course_id] = counted_lesson_ids(course_id)
            completed_at = completion_moment(user_id, counted_cache[course_id])
            existing = completion_for(user_id, course_id)
            if existing is None:
                if completed_at is not None:
                    completion, created = _write_completion(person, course, completed_at)
                    if created:
                        report.created.append((person.username, course.title, completion.year,
                                               completion.hours))
                continue
            year = local_year(existing.completed_at)
            if existing.year != year:
                report.year_fixed.append((person.username, course.title, existing.year, year))
                existing.year = year
            if completed_at is None:
                report.stale.append((person.username, course.title, existing.year,
                                     existing.hours))
                held = any(hold(user_id, course_id)
                           for hold in contributions().completion_holds)
                if prune and not held:
                    db.session.execute(delete(CourseCompletion)
                                       .where(CourseCompletion.id == existing.id))
                    report.removed.append((person.username, course.title, existing.year,
                                           existing.hours))
        if (index + 1) % batch == 0:
            db.session.commit()
    db.session.commit()
    return report
