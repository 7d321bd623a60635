"""The learner's side: the catalogue, enrolment, completing lessons, "continue".

GET pages call only the read functions here; everything that writes (enrol,
complete, visit) is for POSTs.
"""
import functools
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, exists, func, select, update
from sqlalchemy.exc import IntegrityError

from mooc.catalog import kinds, lesson_access
from mooc.catalog.models import (COURSE_CATEGORIES, COURSE_TYPES, Course, Enrollment, Lesson,
                                 course_org)
from mooc.catalog.permissions import can_enrol
from mooc.catalog.courses import CatalogError
from mooc.catalog.visibility import visible_condition
from mooc.core import database
from mooc.core.models import utcnow
from mooc.extensions import db
from mooc.org.models import Organisation
from mooc.progress import services as progress

PER_PAGE = 12


# --------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------

def catalogue_query(user, *, category=None, course_type=None, org_id=None, q=None,
                    mine=False):
    """Visible courses, filtered; unknown filter values are ignored by the caller's form."""
    query = select(Course).where(visible_condition(user))
    if category in COURSE_CATEGORIES:
        query = query.where(Course.category == category)
    if course_type in COURSE_TYPES:
        query = query.where(Course.course_type == course_type)
    if org_id:
        query = query.where(exists().where(course_org.c.course_id == Course.id,
                                           course_org.c.org_id == org_id))
    if q:
        query = query.where(func.lower(Course.title).contains(q.strip().lower(), autoescape=True))
    if mine:
        query = query.where(exists().where(Enrollment.course_id == Course.id,
                                           Enrollment.user_id == user.id))
    return query.order_by(Course.course_type.desc(), Course.published_at.desc(), Course.id)


def audience_orgs(user):
    """Units that visible restricted courses are aimed at: the catalogue's org filter."""
    ids = select(course_org.c.org_id).join(Course, Course.id == course_org.c.course_id) \
        .where(visible_condition(user)).distinct()
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids))
                                   .order_by(Organisation.path)))


def enrolled_course_ids(user, course_ids):
    if not course_ids:
        return set()
    return set(db.session.scalars(select(Enrollment.course_id).where(
        Enrollment.user_id == user.id, Enrollment.course_id.in_(course_ids))))


# --------------------------------------------------------------------------
# Enrolment
# --------------------------------------------------------------------------

def enrollment_for(user, course):
    return db.session.scalar(select(Enrollment).where(Enrollment.user_id == user.id,
                                                      Enrollment.course_id == course.id))


def enrol(user, course):
    """(enrollment, created); enrolling twice is harmless, even at the same moment."""
    if not can_enrol(user, course):
        raise CatalogError("该课程暂不开放报名。")
    existing = enrollment_for(user, course)
    if existing is not None:
        return existing, False
    try:
        with db.session.begin_nested():
            enrollment = Enrollment(user_id=user.id, course_id=course.id, enrolled_at=utcnow())
            db.session.add(enrollment)
    except IntegrityError:
        return enrollment_for(user, course), False
    return enrollment, True


class LessonNotFound(LookupError):
    """The lesson does not exist in that course, or this user may not see it (404)."""


def visit(user, course_id, lesson_id):
    """The reader's visit beacon, a hot path: True if recorded (enrolled learners only).

    Three statements with the user's: one SELECT reads the lesson, its course's access
    facts and the enrolment; an UPDATE under the write lock (database.write_transaction)
    records it. The view must be `database.reads_first`.
    """
    row = db.session.execute(_visit_query(lesson_access.sql_facts(user)),
                             {"b_lesson": lesson_id, "b_course": course_id,
                              **lesson_access.params(user)}).one_or_none()
    if row is None or not lesson_access.decide(user, row).can_view:
        raise LessonNotFound(lesson_id)
    if row.enrollment_id is None or not row.lesson_published:
        database.end_reads(db.session())
        return row.enrollment_id is not None   # enrolled; an unpublished lesson is not remembered
    with database.write_transaction(db.session()) as session:
        session.execute(_REMEMBER, {"b_id": row.enrollment_id, "b_lesson": lesson_id,
                                    "b_at": utcnow()})
    return True


@functools.lru_cache(maxsize=512)
def _visit_query(user):
    """Built once per worker for each lesson_access.SqlFacts; the ids are bound."""
    return (select(Enrollment.id.label("enrollment_id"), *lesson_access.access_columns(user))
            .select_from(Lesson).join(Course, Course.id == Lesson.course_id)
            .outerjoin(Enrollment, and_(Enrollment.course_id == Lesson.course_id,
                                        Enrollment.user_id == user.id))
            .where(Lesson.id == bindparam("b_lesson"), Lesson.course_id == bindparam("b_course")))


_REMEMBER = (update(Enrollment).where(Enrollment.id == bindparam("b_id"))
             .values(last_lesson_id=bindparam("b_lesson"), last_visited_at=bindparam("b_at"))
             .execution_options(synchronize_session=False))


def complete_lesson(user, lesson, form):
    """The learner says "done": the lesson's kind decides; progress only ever rises."""
    course = lesson.course
    if not (lesson.published and can_enrol(user, course)):
        raise kinds.CompletionError("预览模式下不记录学习进度。")
    seconds = kinds.kind_for(lesson.kind).complete(lesson, user, form)
    enrollment, _created = enrol(user, course)
    enrollment.last_lesson_id = lesson.id
    enrollment.last_visited_at = utcnow()
    return progress.record_progress(user, lesson, 1.0, time_spent_seconds=seconds)


# --------------------------------------------------------------------------
# Reading order
# --------------------------------------------------------------------------

def learner_lessons(course, editor=False):
    """Lessons in reading order; editors previewing also see unpublished ones."""
    return [l for l in course.ordered_lessons() if l.published or editor]


def neighbours(lessons, lesson):
    index = next((i for i, l in enumerate(lessons) if l.id == lesson.id), None)
    if index is None:
        return None, None
    return (lessons[index - 1] if index > 0 else None,
            lessons[index + 1] if index + 1 < len(lessons) else None)


def continue_target(lessons, by_lesson, enrollment=None):
    """Where "继续学习" goes: the last lesson opened if unfinished, else the first unfinished."""
    if not lessons:
        return None
    done = {lid for lid, row in by_lesson.items() if row.is_complete}
    if enrollment is not None and enrollment.last_lesson_id not in (None, *done):
        last = next((l for l in lessons if l.id == enrollment.last_lesson_id), None)
        if last is not None:
            return last
    return next((l for l in lessons if l.id not in done), lessons[0])


@dataclass
class CoursePage:
    course: Course
    lessons: list
    progress: progress.CourseProgress
    enrollment: Enrollment | None
    resume: object
    can_enrol: bool


def course_page(user, course, editor=False):
    lessons = learner_lessons(course, editor)
    summary = progress.course_progress(user, course, [l for l in lessons if l.published])
    enrollment = enrollment_for(user, course)
    return CoursePage(course=course, lessons=lessons, progress=summary, enrollment=enrollment,
                      resume=continue_target(lessons, summary.by_lesson, enrollment),
                      can_enrol=can_enrol(user, course))
