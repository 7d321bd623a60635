"""The search page. Everything a user may not open is filtered inside the query."""
from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from mooc.catalog.models import RESTRICTED, Course
from mooc.catalog.visibility import visible_condition
from mooc.extensions import db
from mooc.search import services
from mooc.core.parsing import ascii_int

bp = Blueprint("search", __name__)

KIND_FILTERS = {"course": _l("课程"), "lesson": _l("课时"), "attachment": _l("附件"),
                "transcript": _l("视频字幕")}
LESSON_KIND_FILTERS = {"text": _l("图文"), "video": _l("视频"), "quiz": _l("测验")}
MAX_QUERY = 200


def _int_arg(name):
    return ascii_int(request.args.get(name, ""), max_digits=11)


@bp.route("/search")
@login_required
def search():
    query = (request.args.get("q") or "")[:MAX_QUERY]
    kind = request.args.get("kind") if request.args.get("kind") in KIND_FILTERS else None
    lesson_kind = request.args.get("lesson_kind") \
        if request.args.get("lesson_kind") in LESSON_KIND_FILTERS else None
    scope = "org" if request.args.get("scope") == "org" else "all"
    courses = db.session.execute(
        select(Course.id, Course.title, Course.visibility)
        .where(visible_condition(current_user)).order_by(Course.title)).all()
    allowed = [c.id for c in courses if scope == "all" or c.visibility == RESTRICTED]
    course_id = _int_arg("course")
    if course_id is not None and course_id not in allowed:
        course_id = -1  # a course the user may not see matches nothing
    results = None
    if query.strip():
        results = services.search(allowed, query, course_id=course_id,
                                  kinds=[kind] if kind else None, lesson_kind=lesson_kind,
                                  page=max(1, min(_int_arg("page") or 1, 500)), pagelen=10)
    return render_template("search/results.html", query=query, results=results,
                           courses=courses, kind=kind, lesson_kind=lesson_kind, scope=scope,
                           course_id=course_id, kind_filters=KIND_FILTERS,
                           lesson_kind_filters=LESSON_KIND_FILTERS,
                           course_titles={c.id: c.title for c in courses},
                           index_missing=services.current_dir() is None)
