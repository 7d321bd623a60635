"""The learner's side: the catalogue, enrolment, completing lessons, "continue".

GET pages call only the read functions here; everything that writes (enrol,
complete, visit) is for POSTs.
"""
from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from mooc.catalog import kinds
from mooc.catalog.models import (COURSE_CATEGORIES, COURSE_TYPES, Course, Enrollment,
                                 course_org)
from mooc.catalog.permissions import can_enrol
from mooc.catalog.courses import CatalogError
from mooc.catalog.visibility import visible_condition
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


def record_visit(user, lesson):
    """Remember the lesson for "继续学习" (enrolled learners only; POST from the reader)."""
    enrollment = enrollment_for(user, lesson.course)
    if enrollment is not None and lesson.published:
        enrollment.last_lesson_id = lesson.id
        enrollment.last_visited_at = utcnow()
    return enrollment


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
