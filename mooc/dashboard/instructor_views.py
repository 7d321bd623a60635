"""The instructor's view of a course: who enrolled, where they stop, how quizzes go.

For the course's owners and admins (catalog.permissions.can_edit_course); anyone
else gets 404, as for an unpublished course.
"""
from flask import Blueprint, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user

from mooc.catalog.models import Course
from mooc.catalog.permissions import can_edit_course
from mooc.core.permissions import can_author_courses, require
from mooc.dashboard import charts
from mooc.dashboard.course_report import course_report, owned_courses
from mooc.extensions import db

bp = Blueprint("course_stats", __name__, url_prefix="/dashboard/courses")


@bp.route("/")
@require(can_author_courses)
def courses():
    return render_template("dashboard/courses.html", rows=owned_courses(current_user))


@bp.route("/<int:course_id>")
@require(can_author_courses)
def course(course_id):
    course = db.session.get(Course, course_id)
    if course is None or not can_edit_course(current_user, course):
        abort(404)
    report = course_report(course)
    base = max(report.enrolled, report.started, 1)
    funnel = charts.hbar_chart(
        "chart-funnel",
        [(lesson.title, done / base, _("%(n)s 人完成", n=done))
         for lesson, _started, done in report.funnel],
        title=_("各课时完成人数"), empty=_("暂无数据"), desc=_("按学习顺序，每个课时完成的人数（相对已报名或开始学习的人数）"))
    quiz_charts = [(lesson, attempts, charts.column_chart(
        f"chart-quiz-{lesson.id}", bins, title=_("%(t)s 得分分布", t=lesson.title), unit=_("分"),
        desc=_("每位学员最高得分的人数分布"))) for lesson, bins, attempts in report.quizzes]
    return render_template("dashboard/course.html", report=report, funnel=funnel,
                           quiz_charts=quiz_charts, base=base)
