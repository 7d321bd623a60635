"""Every course studied in a lead's subtree — electives included, not only required ones:
members who started it, members who finished it, and the 学时 credited this year.
Two grouped statements whatever the number of members or courses."""
from dataclasses import dataclass

from sqlalchemy import Float, case, cast, func, select

from mooc.accounts.models import User
from mooc.catalog.models import Course, Enrollment
from mooc.dashboard.queries import from_members, member_conditions
from mooc.extensions import db
from mooc.progress.models import CourseCompletion


@dataclass
class StudiedCourse:
    course_id: int
    title: str
    course_type: str
    started: int = 0
    completed: int = 0
    hours: float = 0.0


def studied_courses(scope_path, year):
    """[StudiedCourse], most completions first."""
    # "Started" is an enrolment: one row per member and course (a tenth of the progress
    # rows, and no DISTINCT); every way into a lesson enrols first (catalog.learning).
    begun = db.session.execute(
        from_members(select(Course.id, Course.title, Course.course_type,
                            func.count(Enrollment.user_id)))
        .join(Enrollment, Enrollment.user_id == User.id)
        .join(Course, Course.id == Enrollment.course_id)
        .where(*member_conditions(scope_path))
        .group_by(Course.id, Course.title, Course.course_type)).all()
    credited = case((CourseCompletion.year == year, CourseCompletion.hours), else_=0.0)
    finished = db.session.execute(
        from_members(select(Course.id, Course.title, Course.course_type,
                            func.count(CourseCompletion.user_id),
                            cast(func.coalesce(func.sum(credited), 0.0), Float)))
        .join(CourseCompletion, CourseCompletion.user_id == User.id)
        .join(Course, Course.id == CourseCompletion.course_id)
        .where(*member_conditions(scope_path))
        .group_by(Course.id, Course.title, Course.course_type)).all()
    lines = {}
    for cid, title, kind, count in begun:
        lines[cid] = StudiedCourse(cid, title, kind, started=count)
    for cid, title, kind, done, hours in finished:
        line = lines.setdefault(cid, StudiedCourse(cid, title, kind))
        line.completed, line.hours = done, round(float(hours or 0), 2)
        line.started = max(line.started, done)
    return sorted(lines.values(), key=lambda l: (-l.completed, -l.started, l.title))
