"""Video authoring (upload, status, retry, captions) and the signed media route.

Authoring follows the catalogue's rule: course owners and admins; another
instructor gets 403 for a course they can see and 404 otherwise. Upload endpoints
answer JSON for upload.js; the plain form posts (no JavaScript) redirect back with a
message. Media answers 403 for any signature that is not this user's, for this file,
still valid.
"""
from flask import (Blueprint, abort, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from mooc.catalog.authoring_views import editable_course
from mooc.catalog.models import Lesson
from mooc.catalog.permissions import can_view_lesson
from mooc.core.jsonbody import json_body
from mooc.core.models import BackgroundJob
from mooc.core.permissions import can_author_courses, can_view_job, require
from mooc.core.views_support import commit_or_flash
from mooc.core.bodylimits import accepts_body
from mooc.extensions import db
from mooc.video import media, services, uploads
from mooc.video.forms import CaptionsForm, VideoActionForm, VideoUploadForm
from mooc.video.processing.media_probe import VideoRejected
from mooc.video.models import VideoAsset
from mooc.video.services import VideoError

bp = Blueprint("video", __name__)
LESSON_URL = "/author/courses/<int:course_id>/lessons/<int:lesson_id>/video"


def _lesson(course_id, lesson_id):
    course = editable_course(course_id)
    lesson = db.get_or_404(Lesson, lesson_id)
    if lesson.course_id != course.id:
        abort(404)
    return lesson


def _json_error(exc):
    if isinstance(exc, VideoRejected):
        body, status = {"error": exc.message, "code": 400, "reason": exc.code}, 400
    else:
        body = {"error": exc.message, "code": exc.status, "reason": exc.code, **exc.extra}
        status = exc.status
    return jsonify(body), status


def _wants_json():
    return request.accept_mimetypes.best == "application/json"


def _back(lesson):
    return redirect(url_for("video.manage", course_id=lesson.course_id, lesson_id=lesson.id))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    """Werkzeug refuses bodies over MAX_CONTENT_LENGTH (even before CSRF is checked):
    say how large a video may be."""
    error = uploads.too_large_error()
    if _wants_json() or request.path.startswith("/api/") or "/uploads" in request.path:
        return _json_error(error)
    return render_template("core/error.html", code=413, message=error.message), 413


# --------------------------------------------------------------------------
# The author's page and status
# --------------------------------------------------------------------------

@bp.app_template_global("video_author_panel")
def video_author_panel(lesson):
    """Context for templates/video/author_panel.html (also usable from the lesson editor)."""
    asset = services.latest_asset(lesson)
    playing = services.playable_asset(lesson)
    return {"asset": asset, "playing": playing,
            "poster": media.media_url(current_user, playing, "poster.jpg")
            if playing is not None and playing.has_poster else None,
            "status": services.asset_status(asset),
            "chunk_bytes": uploads.chunk_bytes(), "max_bytes": uploads.max_upload_bytes(),
            "max_label": uploads.size_label(uploads.max_upload_bytes())}


@bp.route(LESSON_URL)
@require(can_author_courses)
def manage(course_id, lesson_id):
    lesson = _lesson(course_id, lesson_id)
    if not services.is_video_lesson(lesson):
        flash(_("该课时不是视频课时。"), "error")
        return redirect(url_for("authoring.edit_lesson", course_id=course_id,
                                lesson_id=lesson_id))
    return render_template("video/manage.html", course=lesson.course, lesson=lesson)


@bp.route(LESSON_URL + "/status")
@require(can_author_courses)
def status(course_id, lesson_id):
    """JSON for the progress display; ?job=<id> adds that job (e.g. a rejected upload)."""
    lesson = _lesson(course_id, lesson_id)
    data = {"asset": services.asset_status(services.latest_asset(lesson)),
            "playable": services.playable_asset(lesson) is not None}
    job_id = request.args.get("job", type=int)
    if job_id is not None and 0 < job_id < 2 ** 63:
        job = db.session.get(BackgroundJob, job_id)
        if job is not None and can_view_job(current_user, job):
            data["job"] = {"id": job.id, "status": job.status, "progress": job.progress,
                           "message": job.message, "result": job.result}
    return jsonify(data)


@bp.route(LESSON_URL + "/retry", methods=["POST"])
@require(can_author_courses)
def retry(course_id, lesson_id):
    lesson = _lesson(course_id, lesson_id)
    if not VideoActionForm().validate_on_submit():
        abort(400)
    asset = services.latest_asset(lesson)
    wants_json = _wants_json()
    with commit_or_flash(VideoError, flash_error=not wants_json) as outcome:
        if asset is None:
            raise VideoError(_("还没有上传视频。"), "no_video", 409)
        services.retry(asset, current_user)
    if not outcome.ok:
        return _json_error(outcome.error) if wants_json else _back(lesson)
    if _wants_json():
        return jsonify({"asset": services.asset_status(db.session.get(VideoAsset, asset.id))})
    flash(_("已重新开始处理视频。"), "success")
    return _back(lesson)


# --------------------------------------------------------------------------
# Uploads
# --------------------------------------------------------------------------

def _finished(lesson, asset, created, job):
    """The answer after finish: the asset's state, or the rejection an inline job found."""
    if job is not None:
        db.session.expire_all()
        job = db.session.get(BackgroundJob, job.id)
    current = db.session.get(VideoAsset, asset.id)
    if current is None:   # the processing job rejected the file (immediate mode)
        raise VideoError(job.message if job is not None else _("视频文件无效。"),
                         (job.result or {}).get("reason", "rejected") if job else "rejected")
    return {"asset": services.asset_status(current), "created": created,
            "job_id": job.id if job is not None else None,
            "status_url": url_for("video.status", course_id=lesson.course_id,
                                  lesson_id=lesson.id)}


@bp.route(LESSON_URL, methods=["POST"])
@accepts_body("MAX_UPLOAD_BYTES", slack=0)  # the whole request, as before
@require(can_author_courses)
def upload(course_id, lesson_id):
    """The whole file in one multipart request (no JavaScript)."""
    lesson = _lesson(course_id, lesson_id)
    form = VideoUploadForm()
    wants_json = _wants_json()
    with commit_or_flash(VideoError, VideoRejected, flash_error=not wants_json) as outcome:
        if request.content_length and request.content_length > uploads.max_upload_bytes():
            raise uploads.too_large_error()
        if not form.validate_on_submit() or not form.file.data:
            raise VideoError(_("请选择要上传的视频文件。"), "no_file")
        result = _finished(lesson, *uploads.store_whole(
            current_user, lesson, form.file.data, form.file.data.filename))
    if not outcome.ok:
        return _json_error(outcome.error) if wants_json else _back(lesson)
    if _wants_json():
        return jsonify(result)
    flash(_("视频已上传，正在后台处理，完成后学员即可观看。"), "success")
    return _back(lesson)


@bp.route(LESSON_URL + "/uploads", methods=["POST"])
@require(can_author_courses)
def upload_begin(course_id, lesson_id):
    """{"size": bytes, "filename": name} → {"upload_id", "offset": 0, "chunk_size"}."""
    lesson = _lesson(course_id, lesson_id)
    data = json_body(optional=True)  # not a JSON object: 400 bad_json
    filename = data.get("filename")
    try:
        token, ticket = uploads.begin(current_user, lesson, size=data.get("size"),
                                      filename=filename if isinstance(filename, str) else "")
    except VideoError as exc:
        return _json_error(exc)
    return jsonify({"upload_id": token, "offset": 0, "size": ticket.size,
                    "chunk_size": uploads.chunk_bytes(),
                    "chunk_url": url_for("video.upload_chunk", course_id=course_id,
                                         lesson_id=lesson_id, upload_id=token),
                    "finish_url": url_for("video.upload_finish", course_id=course_id,
                                          lesson_id=lesson_id, upload_id=token),
                    "offset_url": url_for("video.upload_offset", course_id=course_id,
                                          lesson_id=lesson_id, upload_id=token)})


@bp.route(LESSON_URL + "/uploads/<upload_id>")
@require(can_author_courses)
def upload_offset(course_id, lesson_id, upload_id):
    """Where to resume: {"offset": bytes the server has, "size": declared size}."""
    lesson = _lesson(course_id, lesson_id)
    try:
        ticket = uploads.read_ticket(upload_id, current_user, lesson)
    except VideoError as exc:
        return _json_error(exc)
    return jsonify({"offset": uploads.offset(ticket), "size": ticket.size})


@bp.route(LESSON_URL + "/uploads/<upload_id>/chunks", methods=["POST"])
@accepts_body("VIDEO_UPLOAD_CHUNK_BYTES")
@require(can_author_courses)
def upload_chunk(course_id, lesson_id, upload_id):
    """Raw bytes (application/octet-stream) for position ?offset=N → {"offset", "size"}."""
    lesson = _lesson(course_id, lesson_id)
    try:
        ticket = uploads.read_ticket(upload_id, current_user, lesson)
        if request.content_length and request.content_length > uploads.max_upload_bytes():
            raise uploads.too_large_error()
        new_offset = uploads.receive_chunk(ticket, request.stream,
                                           at=request.args.get("offset", type=int),
                                           length=request.content_length)
    except VideoError as exc:
        return _json_error(exc)
    return jsonify({"offset": new_offset, "size": ticket.size})


@bp.route(LESSON_URL + "/uploads/<upload_id>/finish", methods=["POST"])
@require(can_author_courses)
def upload_finish(course_id, lesson_id, upload_id):
    """Check the complete file and queue processing → {"asset", "job_id", "status_url"}."""
    lesson = _lesson(course_id, lesson_id)
    with commit_or_flash(VideoError, VideoRejected, flash_error=False) as outcome:
        ticket = uploads.read_ticket(upload_id, current_user, lesson)
        result = _finished(lesson, *uploads.finish(ticket, lesson, current_user))
    if not outcome.ok:
        return _json_error(outcome.error)
    return jsonify(result), 202 if result["asset"]["status"] != "ready" else 200


# --------------------------------------------------------------------------
# Captions
# --------------------------------------------------------------------------

@bp.route(LESSON_URL + "/captions", methods=["POST"])
@accepts_body("MAX_CAPTION_UPLOAD_BYTES")
@require(can_author_courses)
def captions(course_id, lesson_id):
    lesson = _lesson(course_id, lesson_id)
    form = CaptionsForm()
    wants_json = _wants_json()
    with commit_or_flash(VideoError, flash_error=not wants_json) as outcome:
        if not form.validate_on_submit() or not form.file.data:
            raise VideoError(_("请选择字幕文件（.vtt 或 .srt）。"), "no_file")
        data = form.file.data.stream.read(services.MAX_CAPTION_BYTES + 1)
        services.set_captions(lesson, current_user, data, form.file.data.filename)
    if not outcome.ok:
        return _json_error(outcome.error) if wants_json else _back(lesson)
    if _wants_json():
        return jsonify({"cues": len(services.transcript_cues(lesson))})
    flash(_("字幕已保存。"), "success")
    return _back(lesson)


@bp.route(LESSON_URL + "/captions/delete", methods=["POST"])
@require(can_author_courses)
def remove_captions(course_id, lesson_id):
    lesson = _lesson(course_id, lesson_id)
    if not VideoActionForm().validate_on_submit():
        abort(400)
    with commit_or_flash(VideoError) as outcome:
        services.remove_captions(lesson, current_user)
    if not outcome.ok:
        return _back(lesson)
    flash(_("字幕已删除。"), "success")
    return _back(lesson)


# --------------------------------------------------------------------------
# Private media
# --------------------------------------------------------------------------

@bp.route("/video/media/<int:asset_id>/<path:name>")
def media_file(asset_id, name):
    """A file of a video asset, for the signed-in user the URL was signed for."""
    try:
        seconds_left = media.verify(request.args.get("t"), current_user, asset_id, name)
    except media.MediaDenied:
        abort(403)
    asset = db.session.get(VideoAsset, asset_id)
    # Access may have been withdrawn since the page signed the URL (course unpublished).
    if asset is None or not can_view_lesson(current_user, asset.lesson) \
            or not media.is_servable(asset, name):
        abort(404)
    return media.serve(current_user, asset, name, seconds_left)
