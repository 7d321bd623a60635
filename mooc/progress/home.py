"""The home page's 学习 panel: continue where you left off, and this year's 学时.
Four queries whatever the learner's history (tests/core/test_home.py)."""
from sqlalchemy import exists, func, select

from mooc.catalog.models import PUBLISHED, Course, Enrollment
from mooc.core import calendar
from mooc.extensions import db
from mooc.progress import hours
from mooc.progress.models import CourseCompletion

SHOWN = 3


def learning_panel(user):
    finished = exists().where(CourseCompletion.user_id == user.id,
                              CourseCompletion.course_id == Enrollment.course_id)
    recent = func.coalesce(Enrollment.last_visited_at, Enrollment.enrolled_at)
    rows = db.session.execute(
        select(Enrollment.course_id, Enrollment.last_lesson_id, Course.title)
        .join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.user_id == user.id, Course.status == PUBLISHED, ~finished)
        .order_by(recent.desc(), Enrollment.id.desc()).limit(SHOWN)).all()
    return {"courses": rows, "hours": hours.year_hours(user, calendar.current_year()),
            "format_hours": hours.format_hours}
