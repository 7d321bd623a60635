"""The question bank editor: list, edit, archive, import (upload → preview → confirm), export.

Open to whoever may edit the course (its owners and admins). As in the authoring
screens, another user gets 403 for a course they can see as a learner and 404 for
one they cannot. Each view validates, calls one service, and commits once.
"""
import io

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user

from mooc.catalog.models import Course
from mooc.catalog.permissions import can_view_course
from mooc.core.permissions import can_author_courses, require
from mooc.core.bodylimits import accepts_body
from mooc.core.pagination import paginate
from mooc.core.textclean import safe_filename
from mooc.extensions import db
from mooc.quizzes import bank, importing, services
from mooc.quizzes.forms import (ActionForm, ImportConfirmForm, ImportUploadForm,
                                QuestionFilterForm, QuestionForm)
from mooc.quizzes.models import Question
from mooc.quizzes.permissions import can_edit_bank

bp = Blueprint("quiz_bank", __name__, url_prefix="/author")
PER_PAGE = 30


def editable_course(course_id):
    course = db.get_or_404(Course, course_id)
    if not can_edit_bank(current_user, course):
        abort(403 if can_view_course(current_user, course) else 404)
    return course


def editable_question(question_id):
    question = db.get_or_404(Question, question_id)
    editable_course(question.course_id)
    return question


def _bank_url(course):
    return url_for("quiz_bank.questions", course_id=course.id)


@bp.route("/courses/<int:course_id>/questions")
@require(can_author_courses)
def questions(course_id):
    course = editable_course(course_id)
    form = QuestionFilterForm(request.args)
    form.set_choices(bank.course_tags(course))
    filters = form.filters()
    page = paginate(bank.bank_query(
        course, q=filters.get("q"), tag=filters.get("tag"), kind=filters.get("kind"),
        difficulty=filters.get("difficulty"), archived=bool(filters.get("archived"))),
        per_page=PER_PAGE)
    return render_template("quizzes/bank.html", course=course, form=form, filters=filters,
                           page=page, quiz_lessons=services.quiz_lessons(course),
                           action_form=ActionForm(), kind_label=bank.kind_label)


def _question_form_page(course, form, question=None):
    return render_template("quizzes/question_form.html", course=course, form=form,
                           question=question)


def _save_question(course, form, question=None):
    data = form.to_data()
    if data is None:
        return None
    if question is not None:
        # What the editor cannot show (GIFT name, text format, weights, feedback) is kept
        # while the options and answers it belongs to are unchanged.
        old = bank.to_data(question)
        data.name, data.text_format = old.name, old.text_format
        if (data.kind, data.options, data.correct, data.accepted_answers) == \
                (old.kind, old.options, old.correct, old.accepted_answers):
            data.option_weights, data.option_feedback = old.option_weights, old.option_feedback
    try:
        if question is None:
            saved = bank.create_question(course, data, current_user)
        else:
            saved = bank.update_question(question, data, current_user)
    except bank.BankError as exc:
        db.session.rollback()
        form.stem.errors = list(form.stem.errors) + [str(exc)]
        return None
    db.session.commit()
    return saved


@bp.route("/courses/<int:course_id>/questions/new", methods=["GET", "POST"])
@require(can_author_courses)
def create_question(course_id):
    course = editable_course(course_id)
    form = QuestionForm()
    if form.validate_on_submit() and _save_question(course, form) is not None:
        flash(_("题目已添加。"), "success")
        if request.form.get("again"):
            return redirect(url_for("quiz_bank.create_question", course_id=course.id))
        return redirect(_bank_url(course))
    return _question_form_page(course, form)


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@require(can_author_courses)
def edit_question(question_id):
    question = editable_question(question_id)
    course = question.course
    form = QuestionForm()
    if request.method == "GET":
        form.fill_from(bank.to_data(question))
    elif form.validate_on_submit() and _save_question(course, form, question) is not None:
        flash(_("题目已保存。"), "success")
        return redirect(_bank_url(course))
    return _question_form_page(course, form, question)


def _question_action(question_id, change, message):
    question = editable_question(question_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    change(question, current_user)
    db.session.commit()
    flash(message, "success")
    return redirect(_bank_url(question.course))


@bp.route("/questions/<int:question_id>/archive", methods=["POST"])
@require(can_author_courses)
def archive_question(question_id):
    return _question_action(question_id, bank.archive_question,
                            _("题目已归档：不再出现在新试卷中，已有的作答记录不受影响。"))


@bp.route("/questions/<int:question_id>/restore", methods=["POST"])
@require(can_author_courses)
def restore_question(question_id):
    return _question_action(question_id, bank.restore_question, _("题目已恢复使用。"))


# --------------------------------------------------------------------------
# Import: upload → preview → confirm; export; template
# --------------------------------------------------------------------------

def _target_quiz(course):
    """The quiz lesson an import was started from (?quiz=<lesson id>), or None."""
    lesson_id = request.args.get("quiz", type=int)
    lesson = services.lesson_by_id(lesson_id) if lesson_id else None
    if lesson is None or lesson.course_id != course.id or lesson.kind != "quiz":
        return None
    return lesson


def _import_page(course, form):
    return render_template("quizzes/import.html", course=course, form=form,
                           quiz_lesson=_target_quiz(course))


def _preview_page(course, filename, fmt, result, confirm_form):
    return render_template(
        "quizzes/import_preview.html", course=course, filename=filename,
        quiz_lesson=_target_quiz(course),
        format_label=importing.FORMAT_LABELS.get(fmt, ""), result=result,
        rows=importing.preview_rows(course, result), confirm_form=confirm_form,
        kind_label=bank.kind_label)


@bp.route("/courses/<int:course_id>/questions/import")
@require(can_author_courses)
def import_questions(course_id):
    return _import_page(editable_course(course_id), ImportUploadForm())


@bp.route("/courses/<int:course_id>/questions/import/preview", methods=["POST"])
@accepts_body("MAX_IMPORT_BYTES")
@require(can_author_courses)
def import_preview(course_id):
    course = editable_course(course_id)
    form = ImportUploadForm()
    if not form.validate_on_submit():
        return _import_page(course, form)
    filename = form.file.data.filename or ""
    # One byte past the limit is enough for parse_upload to say "too big".
    data = form.file.data.stream.read(current_app.config["MAX_IMPORT_BYTES"] + 1)
    fmt, result = importing.parse_upload(filename, data)
    token = importing.save_upload(filename, data, current_user.id, course.id) \
        if result.ok and result.questions else ""
    return _preview_page(course, filename, fmt, result, ImportConfirmForm(token=token))


@bp.route("/courses/<int:course_id>/questions/import/confirm", methods=["POST"])
@accepts_body("MAX_IMPORT_BYTES")
@require(can_author_courses)
def import_confirm(course_id):
    course = editable_course(course_id)
    form = ImportConfirmForm()
    upload = importing.load_upload(form.token.data, current_user.id, course.id) \
        if form.validate_on_submit() else None
    if upload is None:
        flash(_("上传的文件已失效，请重新上传。"), "error")
        return redirect(url_for("quiz_bank.import_questions", course_id=course.id))
    # Parse again: what is committed is exactly what the preview showed.
    fmt, result = importing.parse_upload(*upload)
    try:
        summary = importing.commit_import(course, result, current_user,
                                          accept_unsupported=form.accept_unsupported.data,
                                          source=upload[0])
    except importing.ImportRefused as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _preview_page(course, upload[0], fmt, result, form)
    quiz_lesson = _target_quiz(course)
    added = services.add_questions_to_quiz(quiz_lesson, summary.questions, current_user) \
        if quiz_lesson is not None and request.form.get("add_to_quiz") else 0
    db.session.commit()
    importing.discard_upload(form.token.data)
    flash(_("导入完成：%(summary)s。", summary=str(summary)), "success")
    if quiz_lesson is not None:
        if added:
            flash(_("已把 %(n)s 道题加入测验《%(t)s》。", n=added, t=quiz_lesson.title), "success")
        return redirect(url_for("quiz_settings.edit", quiz_lesson_id=quiz_lesson.id))
    return redirect(_bank_url(course))


@bp.route("/courses/<int:course_id>/questions/export/<export_format>")
@require(can_author_courses)
def export_questions(course_id, export_format):
    course = editable_course(course_id)
    if export_format not in importing.EXPORTS:
        abort(404)
    payload, mimetype, filename = importing.export_bank(
        course, export_format, include_archived=request.args.get("archived") == "1")
    return send_file(io.BytesIO(payload), mimetype=mimetype, as_attachment=True,
                     download_name=safe_filename(filename))


@bp.route("/questions/template.xlsx")
@require(can_author_courses)
def template():
    return send_file(io.BytesIO(importing.template()), mimetype=importing.EXPORTS["xlsx"][0],
                     as_attachment=True, download_name="题库导入模板.xlsx")
