"""Recording and summarising lesson progress.

`record_progress` is the one writer of LessonProgress. The row is created with
INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL), then re-read under a row
lock, so two first writes at once (two tabs, a double click) cannot fail on the
unique constraint or overwrite each other; other databases fall back to a savepoint
and retry. Progress only grows: a lower fraction is ignored, so a replayed or
out-of-order report can never undo study.
"""
import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from mooc.catalog.models import PUBLISHED, Course, Enrollment, Lesson
from mooc.core.models import utcnow
from mooc.core.registry import contributions
from mooc.extensions import db
from mooc.progress import hours
from mooc.progress.completion import counted_lessons, update_course_completion
from mooc.progress.models import CourseCompletion, LessonProgress

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
MAX_TIME_PER_REPORT = 24 * 3600


def _clean_fraction(fraction):
    try:
        fraction = float(fraction)
    except (TypeError, ValueError):
        raise ValueError("progress must be a number between 0 and 1")
    if math.isnan(fraction):
        raise ValueError("progress must be a number between 0 and 1")
    return max(0.0, min(1.0, fraction))


def _row_for_update(user_id, lesson):
    now = utcnow()
    values = dict(user_id=user_id, lesson_id=lesson.id, course_id=lesson.course_id,
                  progress=0.0, time_spent_seconds=0, data={}, created_at=now, updated_at=now)
    insert = _INSERTS.get(db.session.get_bind().dialect.name)
    if insert is not None:
        db.session.execute(insert(LessonProgress).values(**values)
                           .on_conflict_do_nothing(index_elements=["user_id", "lesson_id"]))
    else:
        try:
            with db.session.begin_nested():
                db.session.add(LessonProgress(**values))
        except IntegrityError:
            pass  # someone else created it first; we update theirs below
    return db.session.scalar(
        select(LessonProgress)
        .where(LessonProgress.user_id == user_id, LessonProgress.lesson_id == lesson.id)
        .with_for_update().execution_options(populate_existing=True))


def record_progress(user, lesson, fraction, *, time_spent_seconds=0, data=None):
    """Raise this learner's progress on `lesson` to at least `fraction` (0–1).

    `time_spent_seconds` is added to the total; `data`, when given, replaces the
    kind-specific state. Reaching 1 stamps `completed_at` once, and then asks whether
    the whole course is now complete: every lesson kind's completion passes through
    here, so course completion (学时, certificate) needs no hook per kind.
    The caller commits.
    """
    fraction = _clean_fraction(fraction)
    row = _row_for_update(user.id, lesson)
    now = utcnow()
    just_completed = False
    if fraction > row.progress:
        row.progress = fraction
    if row.progress >= 1.0 and row.completed_at is None:
        row.completed_at = now
        just_completed = True
    row.time_spent_seconds += max(0, min(MAX_TIME_PER_REPORT, int(time_spent_seconds or 0)))
    if data is not None:
        row.data = dict(data)
    row.updated_at = now
    if just_completed:
        update_course_completion(user, lesson.course)
    return row


def progress_for(user, lesson_ids):
    """{lesson_id: LessonProgress} for this user."""
    lesson_ids = list(lesson_ids)
    if not lesson_ids:
        return {}
    rows = db.session.scalars(select(LessonProgress).where(
        LessonProgress.user_id == user.id, LessonProgress.lesson_id.in_(lesson_ids)))
    return {row.lesson_id: row for row in rows}


@dataclass
class CourseProgress:
    total: int = 0            # lessons that count (required ones, or all if none required)
    completed: int = 0
    by_lesson: dict = field(default_factory=dict)  # lesson_id → LessonProgress
    last_activity: object = None

    @property
    def fraction(self):
        return self.completed / self.total if self.total else 0.0

    @property
    def percent(self):
        return int(self.fraction * 100)

    @property
    def is_complete(self):
        return self.total > 0 and self.completed >= self.total


def course_progress(user, course, lessons=None):
    """This learner's progress through the course's published lessons."""
    lessons = course.ordered_lessons() if lessons is None else lessons
    by_lesson = progress_for(user, [l.id for l in lessons])
    counted = counted_lessons(lessons)
    completed = sum(1 for l in counted if l.id in by_lesson and by_lesson[l.id].is_complete)
    last = max((row.updated_at for row in by_lesson.values()), default=None)
    return CourseProgress(total=len(counted), completed=completed, by_lesson=by_lesson,
                          last_activity=last)


def course_fractions(user, courses):
    """{course_id: fraction complete} for several courses in two queries (catalogue cards)."""
    course_ids = [c.id for c in courses]
    if not course_ids:
        return {}
    lessons = list(db.session.scalars(select(Lesson).where(Lesson.course_id.in_(course_ids),
                                                           Lesson.published.is_(True))))
    done = set(db.session.scalars(select(LessonProgress.lesson_id).where(
        LessonProgress.user_id == user.id, LessonProgress.course_id.in_(course_ids),
        LessonProgress.completed_at.is_not(None))))
    result = {}
    for course_id in course_ids:
        counted = counted_lessons([l for l in lessons if l.course_id == course_id])
        result[course_id] = (sum(1 for l in counted if l.id in done) / len(counted)) \
            if counted else 0.0
    return result


# --------------------------------------------------------------------------
# "我的学习": one learner's courses, hours and certificates
# --------------------------------------------------------------------------

@dataclass
class CourseLine:
    course: object
    fraction: float = 0.0
    completion: object = None      # CourseCompletion, for finished courses
    enrollment: object = None


@dataclass
class LearningOverview:
    in_progress: list            # [CourseLine] enrolled, not finished; latest activity first
    completed: list              # [CourseLine] finished, newest first
    hours: object                # hours.YearHours for the year shown
    years: list                  # other years with hours, for "往年"
    certificates: list


def learning_overview(user, year):
    """Everything the "我的学习" page shows, read-only."""
    completions = list(db.session.execute(
        select(CourseCompletion, Course).join(Course, Course.id == CourseCompletion.course_id)
        .where(CourseCompletion.user_id == user.id)
        .order_by(CourseCompletion.completed_at.desc(), CourseCompletion.id.desc())))
    done_ids = {completion.course_id for completion, _course in completions}
    query = select(Enrollment, Course).join(Course, Course.id == Enrollment.course_id) \
        .where(Enrollment.user_id == user.id, Course.status == PUBLISHED)
    enrolled = [(e, c) for e, c in db.session.execute(query) if c.id not in done_ids]
    fractions = course_fractions(user, [course for _e, course in enrolled])
    epoch = datetime.min
    enrolled.sort(key=lambda pair: (pair[0].last_visited_at or pair[0].enrolled_at or epoch),
                  reverse=True)
    return LearningOverview(
        in_progress=[CourseLine(course, fractions.get(course.id, 0.0), enrollment=enrollment)
                     for enrollment, course in enrolled],
        completed=[CourseLine(course, 1.0, completion=completion)
                   for completion, course in completions],
        hours=hours.year_hours(user, year),
        years=[y for y in hours.years_with_hours(user) if y != year],
        certificates=[certificate for source in contributions().certificate_lists
                      for certificate in source(user)])
