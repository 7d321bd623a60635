"""The home page's catalogue panels: new and updated courses (everyone), and for
instructors their courses with what is waiting for them. Two queries each."""
from datetime import timedelta

from sqlalchemy import func, select

from mooc.catalog.authoring import author_course_query
from mooc.catalog.models import DRAFT, Course, Lesson
from mooc.catalog.visibility import visible_courses_query
from mooc.core.models import utcnow
from mooc.extensions import db

NEW_DAYS = 30
SHOWN = 4
OWN_SHOWN = 6


def new_courses_panel(user):
    courses = list(db.session.scalars(visible_courses_query(user).order_by(
        Course.content_updated_at.desc(), Course.id.desc()).limit(SHOWN)))
    if not courses:
        return None
    since = utcnow() - timedelta(days=NEW_DAYS)
    return {"courses": [(course, bool(course.published_at and course.published_at >= since))
                        for course in courses]}


def teaching_panel(user):
    courses = list(db.session.scalars(author_course_query(user).limit(OWN_SHOWN)))
    if not courses:
        return {"courses": [], "drafts": [], "unpublished": {}}
    unpublished = dict(db.session.execute(
        select(Lesson.course_id, func.count()).where(
            Lesson.course_id.in_([c.id for c in courses]), Lesson.published.is_(False))
        .group_by(Lesson.course_id)).all())
    return {"courses": courses, "drafts": [c for c in courses if c.status == DRAFT],
            "unpublished": unpublished}
