"""Authoring screens: my courses, course settings, outline (chapters, lessons), files.

Open to instructors who own the course, and to admins. Another instructor gets 403
for a course they can see as a learner and 404 for one they cannot, so drafts stay
hidden. Each view validates, calls one service, and commits once.
"""
from flask import (Blueprint, abort, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user

from mooc.core.forms import options
from mooc.catalog import authoring, media, services
from mooc.catalog.forms import (ActionForm, ChapterForm, CourseForm, LessonForm, MoveForm,
                                UploadForm)
from mooc.catalog.models import Attachment, Chapter, Course, Lesson
from mooc.catalog.permissions import can_edit_course, can_view_course
from mooc.catalog.courses import CatalogError
from mooc.core.permissions import can_author_courses, require
from mooc.core.urls import safe_next
from mooc.core.views_support import commit_or_flash
from mooc.extensions import db
from mooc.org import services as org_services
from mooc.org.forms import unit_choices
from mooc.org.models import Organisation
from mooc.core.parsing import ascii_int
from mooc.core.bodylimits import accepts_body
from mooc.core.pagination import paginate

bp = Blueprint("authoring", __name__, url_prefix="/author")


def editable_course(course_id):
    course = db.get_or_404(Course, course_id)
    if not can_edit_course(current_user, course):
        abort(403 if can_view_course(current_user, course) else 404)
    return course


def _child(model, object_id, course):
    item = db.get_or_404(model, object_id)
    if item.course_id != course.id:
        abort(404)
    return item


def _outline(course):
    return redirect(url_for("authoring.course", course_id=course.id))


def _change(course, change, message, target=None):
    """Shared by the POST buttons: check the token, apply `change`, commit once."""
    if not ActionForm().validate_on_submit():
        abort(400)
    with commit_or_flash(CatalogError) as outcome:
        change()
    if outcome.ok:
        flash(message, "success")
    return target or _outline(course)


# --------------------------------------------------------------------------
# Courses
# --------------------------------------------------------------------------

@bp.route("/courses")
@require(can_author_courses)
def my_courses():
    page = paginate(authoring.author_course_query(current_user), per_page=30)
    return render_template("catalog/author_courses.html", page=page,
                           counts=services.course_counts())


def _course_form(course=None):
    form = CourseForm(obj=course if request.method == "GET" else None)
    form.orgs.choices = options(unit_choices(org_services.flat_tree()))
    form.owners.choices = options((str(u.id), f"{u.name}（{u.role_label}）")
                                  for u in authoring.owner_candidates())
    if request.method == "GET":
        form.orgs.data = [str(o.id) for o in course.orgs] if course else []
        form.categories.data = course.audience_categories if course else []
        form.owners.data = [str(u.id) for u in course.owners] if course \
            else [str(current_user.id)]
    return form


def _course_fields(form):
    org_ids = [n for n in map(ascii_int, form.orgs.data or []) if n is not None]
    return dict(
        title=form.title.data, summary=form.summary.data or "", category=form.category.data,
        course_type=form.course_type.data, credit_hours=form.credit_hours.data,
        visibility=form.visibility.data, categories=form.categories.data or [],
        orgs=[org for i in org_ids if (org := db.session.get(Organisation, i)) is not None],
        owners=authoring.users_by_ids(form.owners.data or []),
        no_skip_ahead=form.no_skip_ahead.data, cover=form.cover.data,
        remove_cover=form.remove_cover.data)


def _save_course_form(form, course):
    with commit_or_flash(CatalogError) as outcome:
        saved = authoring.save_course(current_user, course, **_course_fields(form),
                                      **({} if course else {"slug": form.slug.data or None}))
    return saved if outcome.ok else None


@bp.route("/courses/new", methods=["GET", "POST"])
@accepts_body("MAX_IMAGE_BYTES")
@require(can_author_courses)
def create_course():
    form = _course_form()
    if form.validate_on_submit():
        course = _save_course_form(form, None)
        if course is not None:
            flash(_("已创建课程，请添加章节和课时。"), "success")
            return _outline(course)
    return render_template("catalog/author_course_form.html", form=form, course=None)


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@accepts_body("MAX_IMAGE_BYTES")
@require(can_author_courses)
def edit_course(course_id):
    course = editable_course(course_id)
    form = _course_form(course)
    if form.validate_on_submit() and _save_course_form(form, course) is not None:
        flash(_("已保存。"), "success")
        return _outline(course)
    return render_template("catalog/author_course_form.html", form=form, course=course)


@bp.route("/courses/<int:course_id>")
@require(can_author_courses)
def course(course_id):
    course = editable_course(course_id)
    return render_template("catalog/author_course.html", course=course,
                           chapter_form=ChapterForm(), action_form=ActionForm())


@bp.route("/courses/<int:course_id>/publish", methods=["POST"])
@require(can_author_courses)
def publish_course(course_id):
    course = editable_course(course_id)
    return _change(course, lambda: services.publish_course(course, current_user),
                   _("课程已发布，学员现在可以看到它。"))


@bp.route("/courses/<int:course_id>/unpublish", methods=["POST"])
@require(can_author_courses)
def unpublish_course(course_id):
    course = editable_course(course_id)
    return _change(course, lambda: services.unpublish_course(course, current_user),
                   _("课程已下线，学员暂时看不到它。"))


@bp.route("/courses/<int:course_id>/delete", methods=["POST"])
@require(can_author_courses)
def delete_course(course_id):
    course = editable_course(course_id)
    return _change(course, lambda: services.delete_course(course, current_user),
                   _("课程已删除。"), target=redirect(url_for("authoring.my_courses")))


# --------------------------------------------------------------------------
# Chapters
# --------------------------------------------------------------------------

def _chapter_title(form):
    if not form.validate_on_submit():
        raise CatalogError("; ".join(str(e) for errors in form.errors.values() for e in errors))
    return form.title.data


@bp.route("/courses/<int:course_id>/chapters", methods=["POST"])
@require(can_author_courses)
def add_chapter(course_id):
    course = editable_course(course_id)
    form = ChapterForm()
    return _change(course, lambda: services.add_chapter(course, current_user,
                                                        _chapter_title(form)),
                   _("已添加章节。"))


@bp.route("/courses/<int:course_id>/chapters/<int:chapter_id>/rename", methods=["POST"])
@require(can_author_courses)
def rename_chapter(course_id, chapter_id):
    course = editable_course(course_id)
    chapter, form = _child(Chapter, chapter_id, course), ChapterForm()
    return _change(course, lambda: services.rename_chapter(chapter, current_user,
                                                           _chapter_title(form)),
                   _("已保存。"))


@bp.route("/courses/<int:course_id>/chapters/<int:chapter_id>/move", methods=["POST"])
@require(can_author_courses)
def move_chapter(course_id, chapter_id):
    course = editable_course(course_id)
    chapter, form = _child(Chapter, chapter_id, course), MoveForm()
    direction = form.direction.data if form.validate_on_submit() else ""
    return _change(course, lambda: services.move_chapter(chapter, current_user, direction),
                   _("已调整顺序。"))


@bp.route("/courses/<int:course_id>/chapters/<int:chapter_id>/delete", methods=["POST"])
@require(can_author_courses)
def delete_chapter(course_id, chapter_id):
    course = editable_course(course_id)
    chapter = _child(Chapter, chapter_id, course)
    return _change(course, lambda: services.delete_chapter(chapter, current_user),
                   _("已删除章节。"))


# --------------------------------------------------------------------------
# Lessons
# --------------------------------------------------------------------------

def _lesson_fields(form, course):
    chapter_id = ascii_int(form.chapter.data) or 0
    return dict(title=form.title.data, chapter=db.session.get(Chapter, chapter_id),
                required=form.required.data, body=form.body.data or "",
                min_reading_seconds=form.min_reading_seconds.data)


@bp.route("/courses/<int:course_id>/lessons/new", methods=["GET", "POST"])
@require(can_author_courses)
def new_lesson(course_id):
    course = editable_course(course_id)
    if not course.chapters:
        flash(_("请先添加一个章节。"), "error")
        return _outline(course)
    form = LessonForm()
    form.set_choices(course)
    if request.method == "GET":
        form.chapter.data = request.args.get("chapter") or str(course.chapters[-1].id)
    if form.validate_on_submit():
        with commit_or_flash(CatalogError) as outcome:
            lesson = services.create_lesson(course, current_user, kind=form.kind.data,
                                            slug=form.slug.data or None,
                                            **_lesson_fields(form, course))
        if outcome.ok:
            flash(_("已添加课时。"), "success")
            return redirect(url_for("authoring.edit_lesson", course_id=course.id,
                                    lesson_id=lesson.id))
    return render_template("catalog/author_lesson_form.html", form=form, course=course,
                           lesson=None)


def _lesson_page(course, lesson, form, warnings=()):
    return render_template("catalog/author_lesson_form.html", form=form, course=course,
                           lesson=lesson, upload_form=UploadForm(), action_form=ActionForm(),
                           warnings=warnings)


@bp.route("/courses/<int:course_id>/lessons/<int:lesson_id>", methods=["GET", "POST"])
@require(can_author_courses)
def edit_lesson(course_id, lesson_id):
    course = editable_course(course_id)
    lesson = _child(Lesson, lesson_id, course)
    form = LessonForm(obj=lesson if request.method == "GET" else None)
    form.set_choices(course)
    if request.method == "GET":
        form.chapter.data, form.kind.data = str(lesson.chapter_id), lesson.kind
    form.kind.data = lesson.kind  # the kind is fixed once a lesson exists
    if form.validate_on_submit():
        with commit_or_flash(CatalogError) as outcome:
            services.update_lesson(lesson, current_user, **_lesson_fields(form, course))
        if outcome.ok:
            flash(_("已保存。"), "success")
            return redirect(url_for("authoring.edit_lesson", course_id=course.id,
                                    lesson_id=lesson.id))
    return _lesson_page(course, lesson, form)


@bp.route("/courses/<int:course_id>/lessons/<int:lesson_id>/move", methods=["POST"])
@require(can_author_courses)
def move_lesson(course_id, lesson_id):
    course = editable_course(course_id)
    lesson, form = _child(Lesson, lesson_id, course), MoveForm()
    direction = form.direction.data if form.validate_on_submit() else ""
    return _change(course, lambda: services.move_lesson(lesson, current_user, direction),
                   _("已调整顺序。"))


@bp.route("/courses/<int:course_id>/lessons/<int:lesson_id>/publish", methods=["POST"])
@require(can_author_courses)
def publish_lesson(course_id, lesson_id):
    course = editable_course(course_id)
    lesson = _child(Lesson, lesson_id, course)
    return _change(course, lambda: services.set_lesson_published(lesson, current_user, True),
                   _("课时已发布。"))


@bp.route("/courses/<int:course_id>/lessons/<int:lesson_id>/unpublish", methods=["POST"])
@require(can_author_courses)
def unpublish_lesson(course_id, lesson_id):
    course = editable_course(course_id)
    lesson = _child(Lesson, lesson_id, course)
    return _change(course, lambda: services.set_lesson_published(lesson, current_user, False),
                   _("课时已下线。"))


@bp.route("/courses/<int:course_id>/lessons/<int:lesson_id>/delete", methods=["POST"])
@require(can_author_courses)
def delete_lesson(course_id, lesson_id):
    course = editable_course(course_id)
    lesson = _child(Lesson, lesson_id, course)
    return _change(course, lambda: services.delete_lesson(lesson, current_user),
                   _("已删除课时。"))


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------

def _wants_json():
    return request.accept_mimetypes.best == "application/json"


@bp.route("/courses/<int:course_id>/images", methods=["POST"])
@accepts_body("MAX_IMAGE_BYTES")
@require(can_author_courses)
def upload_image(course_id):
    """An image for a lesson body; answers JSON for authoring.js, else a flash with the code."""
    course = editable_course(course_id)
    form = UploadForm()
    back = safe_next(request.form.get("next"), "authoring.my_courses")
    wants_json = _wants_json()
    with commit_or_flash(CatalogError, flash_error=not wants_json) as outcome:
        if not form.validate_on_submit():
            raise CatalogError(_("请选择要上传的图片。"))
        row, url = media.add_course_image(course, current_user, form.file.data)
    if not outcome.ok:
        return (jsonify({"error": str(outcome.error)}), 400) if wants_json else redirect(back)
    alt = row.filename.rsplit(".", 1)[0].replace("[", "").replace("]", "")
    markdown = f"![{alt}]({url})"
    if _wants_json():
        return jsonify({"url": url, "markdown": markdown})
    flash(_("图片已上传。把下面这行复制到正文中需要的位置：%(code)s", code=markdown), "success")
    return redirect(back)


@bp.route("/courses/<int:course_id>/lessons/<int:lesson_id>/attachments", methods=["POST"])
@accepts_body("MAX_ATTACHMENT_BYTES")
@require(can_author_courses)
def upload_attachment(course_id, lesson_id):
    course = editable_course(course_id)
    lesson, form = _child(Lesson, lesson_id, course), UploadForm()
    upload = form.file.data if form.validate_on_submit() else None
    return _change(course, lambda: media.add_attachment(lesson, current_user, upload),
                   _("附件已上传。"), target=redirect(url_for(
                       "authoring.edit_lesson", course_id=course.id, lesson_id=lesson.id)))


@bp.route("/courses/<int:course_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@require(can_author_courses)
def delete_attachment(course_id, attachment_id):
    course = editable_course(course_id)
    item = db.get_or_404(Attachment, attachment_id)
    if item.lesson.course_id != course.id:
        abort(404)
    lesson_id = item.lesson_id
    return _change(course, lambda: media.delete_attachment(item, current_user),
                   _("附件已删除。"), target=redirect(url_for(
                       "authoring.edit_lesson", course_id=course.id, lesson_id=lesson_id)))


@bp.route("/courses/<int:course_id>/lessons/<int:lesson_id>/import-docx", methods=["POST"])
@accepts_body("MAX_DOCX_BYTES")
@require(can_author_courses)
def import_docx(course_id, lesson_id):
    """Convert a .docx into the editor (not saved): the author checks it, then saves."""
    course = editable_course(course_id)
    lesson, upload_form = _child(Lesson, lesson_id, course), UploadForm()
    form = LessonForm(obj=lesson, formdata=None)
    form.set_choices(course)
    form.chapter.data = str(lesson.chapter_id)
    # Committed: the images found in the file are stored.
    with commit_or_flash(CatalogError) as outcome:
        if not upload_form.validate_on_submit():
            raise CatalogError(_("请选择要导入的 Word 文件（.docx）。"))
        markdown, warnings = media.import_docx(lesson, current_user, upload_form.file.data)
    if not outcome.ok:
        return redirect(url_for("authoring.edit_lesson", course_id=course.id,
                                lesson_id=lesson.id))
    form.body.data = markdown
    flash(_("已从 Word 转换，正文尚未保存：请检查后点击“保存”。"), "success")
    return _lesson_page(course, lesson, form, warnings=warnings)
