"""The learner's pages: catalogue, course, lesson reader, downloads.

Anything a user may not see answers 404, never 403, so restricted and unpublished
courses do not reveal that they exist. Editors see their drafts here too: that is
the "preview as a learner".
"""
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mooc.core.forms import options
from mooc.core.lightweight import lightweight_user, signed_in_user
from mooc.catalog import kinds, learning, rendering
from mooc.catalog.forms import ActionForm, CatalogueFilterForm, CompleteForm
from mooc.catalog.media import media_for
from mooc.catalog.models import Attachment, Course, Lesson
from mooc.catalog.permissions import (can_edit_course, can_enrol, can_view_course,
                                      can_view_lesson)
from mooc.catalog.courses import CatalogError
from mooc.core import database, storage
from mooc.core.fastpath import Fallback
from mooc.core.views_support import commit_or_flash
from mooc.core.pagination import paginate
from mooc.extensions import db
from mooc.progress import services as progress

bp = Blueprint("catalog", __name__)
# `{{ lesson.body_html|without_title(lesson.title)|safe }}`: no title shown twice.
bp.add_app_template_filter(rendering.without_title, "without_title")


def visible_course(course_id):
    course = db.get_or_404(Course, course_id)
    if not can_view_course(current_user, course):
        abort(404)
    return course


def visible_lesson(course_id, lesson_id):
    lesson = db.get_or_404(Lesson, lesson_id)
    if lesson.course_id != course_id or not can_view_lesson(current_user, lesson):
        abort(404)
    return lesson


@bp.route("/courses")
@login_required
def index():
    form = CatalogueFilterForm(request.args)
    orgs = learning.audience_orgs(current_user)
    form.org.choices = options([("", _("全部组织"))] + [(str(o.id), o.name) for o in orgs])
    filters = form.filters()
    page = paginate(learning.catalogue_query(
        current_user, category=filters.get("category"), course_type=filters.get("course_type"),
        org_id=int(filters["org"]) if filters.get("org") else None, q=filters.get("q"),
        mine=bool(filters.get("mine"))),
        per_page=learning.PER_PAGE)
    fractions = progress.course_fractions(current_user, page.items)
    enrolled = learning.enrolled_course_ids(current_user, [c.id for c in page.items])
    return render_template("catalog/index.html", form=form, page=page, filters=filters,
                           fractions=fractions, enrolled=enrolled)


@bp.route("/courses/<int:course_id>")
@login_required
def course(course_id):
    course = visible_course(course_id)
    editor = can_edit_course(current_user, course)
    page = learning.course_page(current_user, course, editor=editor)
    return render_template("catalog/course.html", page=page, editor=editor,
                           durations=kinds.durations_for(page.lessons), action_form=ActionForm())


@bp.route("/courses/<int:course_id>/enrol", methods=["POST"])
@login_required
def enrol(course_id):
    course = visible_course(course_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    with commit_or_flash(CatalogError) as outcome:
        _enrollment, created = learning.enrol(current_user, course)
    if outcome.ok:
        flash(_("已报名，开始学习吧！") if created else _("您已报名本课程。"), "success")
        start = request.form.get("start_lesson", type=int)
        if start:  # the course page's one button: enrol, then open the lesson to start with
            return redirect(url_for("catalog.lesson", course_id=course.id, lesson_id=start))
    return redirect(url_for("catalog.course", course_id=course.id))


@bp.route("/courses/<int:course_id>/lessons/<int:lesson_id>")
@login_required
def lesson(course_id, lesson_id):
    lesson = visible_lesson(course_id, lesson_id)
    course = lesson.course
    editor = can_edit_course(current_user, course)
    lessons = learning.learner_lessons(course, editor)
    previous, following = learning.neighbours(lessons, lesson)
    kind = kinds.kind_for(lesson.kind)
    row = progress.progress_for(current_user, [lesson.id]).get(lesson.id)
    return render_template(
        "catalog/lesson.html", course=course, lesson=lesson, kind=kind, previous=previous,
        following=following, progress_row=row, editor=editor,
        can_record=lesson.published and can_enrol(current_user, course),
        complete_form=CompleteForm(), **kind.learner_context(lesson, current_user))


@bp.route("/courses/<int:course_id>/lessons/<int:lesson_id>/complete", methods=["POST"])
@login_required
def complete(course_id, lesson_id):
    lesson = visible_lesson(course_id, lesson_id)
    form = CompleteForm()
    if not form.validate_on_submit():
        abort(400)
    with commit_or_flash(kinds.CompletionError) as outcome:
        learning.complete_lesson(current_user, lesson, request.form)
    if not outcome.ok:
        return redirect(url_for("catalog.lesson", course_id=course_id, lesson_id=lesson.id))
    flash(_("已完成本课时。"), "success")
    following = learning.neighbours(learning.learner_lessons(lesson.course), lesson)[1]
    target = following or lesson
    return redirect(url_for("catalog.lesson", course_id=course_id, lesson_id=target.id))


@bp.route("/courses/<int:course_id>/lessons/<int:lesson_id>/visit", methods=["POST"])
@database.reads_first   # a hot path: the write lock only for the one UPDATE
@lightweight_user
@login_required
def visit(course_id, lesson_id):
    """Called by reader.js when a lesson opens, for "继续学习"; answers JSON."""
    try:
        recorded = learning.visit(signed_in_user(), course_id, lesson_id)
    except learning.LessonNotFound:
        abort(404)
    return jsonify({"recorded": recorded})


def fast_visit(user, _body, course_id, lesson_id):
    """`visit` on the fast path (core.fastpath); a lesson not found is `visit`'s to answer."""
    try:
        return {"recorded": learning.visit(user, course_id, lesson_id)}, 200
    except learning.LessonNotFound:
        database.end_reads(db.session())
        raise Fallback() from None


@bp.route("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id):
    item = db.get_or_404(Attachment, attachment_id)
    if not can_view_lesson(current_user, item.lesson):
        abort(404)
    return storage.send(item.storage_key, download_name=item.filename, as_attachment=True,
                        mimetype=item.mime)


@bp.route("/courses/<int:course_id>/media/<path:key>")
@login_required
def media(course_id, key):
    course = visible_course(course_id)
    row = media_for(course.id, key) if storage.is_valid_key(key) else None
    if row is None:
        abort(404)
    return storage.send(row.storage_key, mimetype=row.mime, max_age=86400)
