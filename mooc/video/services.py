"""Video lesson rules: assets, processing jobs, captions, and the API other features use.

Plain functions; the caller commits — except `start_processing` (and `attach_video`,
which calls it): the job row must be committed before a worker can pick it up, so
they commit, like `mooc.core.jobs.start_job` itself.

For other features:
* course packages: `attach_video(lesson, video_path, captions_path=None, actor=None)`
  on import, `video_package_files(lesson)` on export;
* search: `transcript_cues(lesson)` → [{"start", "end", "text"}] for indexing with
  timestamps.
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import exists, select

from mooc.catalog.services import touch
from mooc.core import jobs, storage
from mooc.core.models import utcnow
from mooc.core.services import audit
from mooc.extensions import db
from mooc.search import services as search
from mooc.video import captions as captions_mod
from mooc.video.models import (CAPTIONS_NAME, DERIVED_NAMESPACE, FAILED, QUEUED, READY,
                               VideoAsset)
from mooc.video.processing import ffmpeg_tools

VIDEO_KIND = "video"
STORAGE_OWNER = "video"  # sources and captions; derived outputs use the same name
TRANSCODE_JOB = "video.transcode"  # run by video.tasks.process_video_task
MAX_CAPTION_BYTES = captions_mod.MAX_CAPTION_BYTES


class VideoError(ValueError):
    """A rule was broken; `message` is for the user (Chinese), `code` for programs."""

    def __init__(self, message, code="invalid", status=400, **extra):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.extra = extra


# --------------------------------------------------------------------------
# File types: video containers ffmpeg may read (see ffmpeg_tools.ALLOWED_DEMUXERS),
# sniffed by content like every other stored file, and the WebVTT we write.
# --------------------------------------------------------------------------

def _starts(*prefixes):
    return lambda head, _path: any(head.startswith(p) for p in prefixes)


for _type in (
    storage.FileType("avi", "video/x-msvideo", "AVI",
                     lambda head, _p: head[:4] == b"RIFF" and head[8:12] == b"AVI "),
    storage.FileType("flv", "video/x-flv", "FLV", _starts(b"FLV\x01")),
    storage.FileType("wmv", "video/x-ms-wmv", "WMV",
                     _starts(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11")),
    storage.FileType("mpg", "video/mpeg", "MPEG", _starts(b"\x00\x00\x01\xba")),
    storage.FileType("ogv", "video/ogg", "Ogg", _starts(b"OggS")),
    storage.FileType("vtt", "text/vtt", "WebVTT", _starts(b"WEBVTT")),
):
    if _type.ext not in storage.FILE_TYPES:
        storage.register_type(_type)

# mp4 also matches MOV/M4V/3GP (ISO base media), webm also matches MKV (EBML).
VIDEO_EXTS = ("mp4", "webm", "avi", "flv", "wmv", "mpg", "ogv")


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

def is_video_lesson(lesson):
    return lesson is not None and lesson.kind == VIDEO_KIND


def require_video_lesson(lesson):
    if not is_video_lesson(lesson):
        raise VideoError("该课时不是视频课时。", "not_video", 409)


def latest_asset(lesson):
    """The newest asset, whatever its state (what the author sees)."""
    return db.session.scalar(select(VideoAsset).where(VideoAsset.lesson_id == lesson.id)
                             .order_by(VideoAsset.id.desc()).limit(1))


def playable_asset(lesson):
    """The newest ready asset (what learners see), or None."""
    return db.session.scalar(select(VideoAsset).where(VideoAsset.lesson_id == lesson.id,
                                                      VideoAsset.status == READY)
                             .order_by(VideoAsset.id.desc()).limit(1))


def asset_status(asset):
    """JSON for the author's status poll."""
    if asset is None:
        return None
    return {"id": asset.id, "status": asset.status, "progress": round(asset.progress or 0, 3),
            "percent": asset.percent, "error": asset.error or None, "filename": asset.filename,
            "duration": asset.duration, "job_id": asset.job_id,
            "renditions": [r["label"] for r in asset.renditions or []],
            "captions": bool(asset.captions_key)}


# --------------------------------------------------------------------------
# Adding a video
# --------------------------------------------------------------------------

def _display_name(filename, ext):
    import os
    base = os.path.basename((filename or "").replace("\\", "/")).strip()
    stem = os.path.splitext(base)[0][:200].strip() or "视频"
    return f"{stem}.{ext}"


def _touch(lesson, actor):
    lesson.updated_at = utcnow()
    lesson.updated_by_id = getattr(actor, "id", None)
    touch(lesson.course, actor)


def add_video_file(lesson, path, *, actor=None, filename="", move=False, validated=False):
    """Store a local video file for `lesson`; returns (asset, created).

    The same content already on the lesson's newest asset returns that asset
    (created False), so a re-import or a double submit does not transcode twice.
    A new asset is queued; the caller starts processing (`start_processing`).
    """
    require_video_lesson(lesson)
    try:
        stored = storage.store_file(Path(path), owner=STORAGE_OWNER, allowed_exts=VIDEO_EXTS,
                                    move=move)
    except storage.StorageError as exc:
        raise VideoError(str(exc), "unsupported_type")
    previous = latest_asset(lesson)
    if previous is not None and previous.source_sha256 == stored.sha256:
        return previous, False
    asset = VideoAsset(lesson_id=lesson.id, status=QUEUED, source_key=stored.key,
                       source_sha256=stored.sha256, source_size=stored.size,
                       filename=_display_name(filename, stored.ext), validated=validated,
                       created_by_id=getattr(actor, "id", None), created_at=utcnow(),
                       updated_at=utcnow())
    # A replacement video keeps the captions until the author changes them.
    if previous is not None and previous.captions_key:
        asset.captions_key = previous.captions_key
        asset.captions_filename = previous.captions_filename
    db.session.add(asset)
    _touch(lesson, actor)
    db.session.flush()
    audit("video.upload", asset, f"上传视频 {asset.filename}", actor=actor,
          lesson_id=lesson.id, size=stored.size)
    return asset, True


def start_processing(asset, actor=None):
    """Queue validation (if not done) and transcoding; commits, returns the BackgroundJob."""
    asset.status, asset.progress, asset.error = QUEUED, 0.0, ""
    asset.updated_at = utcnow()
    return jobs.start_job(TRANSCODE_JOB, "process_video_task", asset.id, owner=actor,
                                     message=f"视频处理：{asset.filename}")


def retry(asset, actor):
    if asset.status != FAILED:
        raise VideoError("只有处理失败的视频可以重试。", "not_failed", 409)
    audit("video.retry", asset, f"重试视频处理 {asset.filename}", actor=actor,
          lesson_id=asset.lesson_id)
    return start_processing(asset, actor)


def attach_video(lesson, video_path, captions_path=None, actor=None):
    """For the course-package importer: validate, store, queue transcoding → VideoAsset.

    Raises ffmpeg_tools.VideoRejected (`.message` in Chinese) for a file that is no
    usable video, VideoError for anything else the rules refuse (captions with a
    line number). Idempotent: the same video file (sha256) already on the lesson is
    not stored or transcoded again (a failed one is retried). Commits.
    """
    require_video_lesson(lesson)
    video_path = Path(video_path)
    caption_bytes = None
    if captions_path is not None:
        caption_bytes = Path(captions_path).read_bytes()
        _parse_captions(caption_bytes)           # refuse before anything is stored
    ffmpeg_tools.validate_video(video_path)
    asset, created = add_video_file(lesson, video_path, actor=actor, filename=video_path.name,
                                    validated=True)
    if caption_bytes is not None:
        _store_captions(asset, caption_bytes, Path(captions_path).name)
    if created or asset.status == FAILED:
        start_processing(asset, actor)
    else:
        db.session.commit()
    return asset


# --------------------------------------------------------------------------
# After processing
# --------------------------------------------------------------------------

def delete_asset(asset):
    """The row and its outputs; the source file goes with storage.collect_garbage."""
    storage.remove_derived(DERIVED_NAMESPACE, asset.id)
    db.session.delete(asset)


def remove_superseded(asset):
    """Once `asset` is ready, the lesson's older assets are no longer shown: drop them."""
    older = db.session.scalars(select(VideoAsset).where(VideoAsset.lesson_id == asset.lesson_id,
                                                        VideoAsset.id < asset.id))
    for old in list(older):
        delete_asset(old)


def discard_rejected(asset):
    """An upload that failed validation leaves nothing: no row, no stored file."""
    key = asset.source_key
    delete_asset(asset)
    db.session.flush()
    storage.delete_if_unreferenced(key)


# --------------------------------------------------------------------------
# Captions
# --------------------------------------------------------------------------

def _parse_captions(data):
    try:
        return captions_mod.parse_captions(data)
    except captions_mod.CaptionError as exc:
        raise VideoError(exc.message, "captions", line=exc.line)


def _store_captions(asset, data, filename):
    vtt = captions_mod.to_webvtt(_parse_captions(data))
    stored = storage.store_bytes(vtt.encode("utf-8"), owner=STORAGE_OWNER,
                                 max_bytes=4 * MAX_CAPTION_BYTES, allowed_exts=("vtt",))
    asset.captions_key = stored.key
    asset.captions_filename = _display_name(filename, "vtt")
    asset.updated_at = utcnow()
    return stored


def _reindex(lesson):
    # Transcripts are searchable; the search outbox picks the lesson up again.
    search.enqueue(f"lesson:{lesson.id}")


def set_captions(lesson, actor, data, filename=""):
    """SRT or WebVTT bytes → our WebVTT on the newest video (and the one playing now).

    A bad file raises VideoError whose message names the line to fix.
    """
    require_video_lesson(lesson)
    asset = latest_asset(lesson)
    if asset is None:
        raise VideoError("请先上传视频，再上传字幕。", "no_video", 409)
    if not data:
        raise VideoError("字幕文件为空", "captions")
    if len(data) > MAX_CAPTION_BYTES:
        raise VideoError(f"字幕文件过大（不能超过 {MAX_CAPTION_BYTES // 1024 ** 2} MB）",
                         "captions")
    _store_captions(asset, data, filename)
    # A failed replacement will never take over: the video playing now gets them too.
    playing = playable_asset(lesson)
    if playing is not None and playing.id != asset.id and asset.status == FAILED:
        _store_captions(playing, data, filename)
    _touch(lesson, actor)
    _reindex(lesson)
    audit("video.captions", asset, f"上传字幕 {asset.captions_filename}", actor=actor,
          lesson_id=lesson.id)
    return asset


def remove_captions(lesson, actor):
    require_video_lesson(lesson)
    for asset in db.session.scalars(select(VideoAsset).where(VideoAsset.lesson_id == lesson.id)):
        asset.captions_key = None
        asset.captions_filename = ""
    _touch(lesson, actor)
    _reindex(lesson)
    audit("video.captions_remove", lesson, f"删除字幕 {lesson.title}", actor=actor)


def captions_text(asset):
    if asset is None or not asset.captions_key or not storage.exists(asset.captions_key):
        return None
    with storage.open_key(asset.captions_key) as handle:
        return handle.read().decode("utf-8")


def _transcript_asset(lesson):
    return playable_asset(lesson) or latest_asset(lesson)


def transcript_cues(lesson):
    """[{"start": s, "end": s, "text": str}] of the lesson's captions, in time order.

    For the transcript beside the player and for the search indexer. Empty when the
    lesson has no captions (or is not a video lesson).
    """
    if not is_video_lesson(lesson):
        return []
    text = captions_text(_transcript_asset(lesson))
    if not text:
        return []
    try:
        return captions_mod.transcript(captions_mod.parse_captions(text))
    except captions_mod.CaptionError:
        current_app.logger.warning("stored captions of lesson %s do not parse", lesson.id)
        return []


def video_package_files(lesson):
    """For the course-package exporter: (source video path | None, WebVTT text | None).

    The source is the file the author uploaded (not a rendition), so an import on
    another deployment transcodes from the best copy.
    """
    if not is_video_lesson(lesson):
        return None, None
    asset = _transcript_asset(lesson)
    if asset is None or not storage.exists(asset.source_key):
        return None, None
    return storage.path_for(asset.source_key), captions_text(asset)


# --------------------------------------------------------------------------
# Storage garbage collection: files our rows still use are kept.
# --------------------------------------------------------------------------

def uses_stored_file(key):
    return bool(db.session.scalar(select(
        exists().where(VideoAsset.source_key == key)
        | exists().where(VideoAsset.captions_key == key))))


def orphaned_outputs():
    """Output directories whose asset row is gone (a lesson was deleted)."""
    idents = storage.derived_idents(DERIVED_NAMESPACE)
    if not idents:
        return []
    alive = set(db.session.scalars(select(VideoAsset.id).where(VideoAsset.id.in_(idents))))
    return [i for i in idents if i not in alive]


__all__ = ["VideoError", "attach_video", "video_package_files", "transcript_cues",
           "latest_asset", "playable_asset", "set_captions", "remove_captions", "retry",
           "start_processing", "add_video_file", "CAPTIONS_NAME"]


def durations(lesson_ids):
    """{lesson id: seconds} of the ready videos among `lesson_ids` (the course outline)."""
    if not lesson_ids:
        return {}
    return {lesson_id: int(round(seconds)) for lesson_id, seconds in db.session.execute(
        select(VideoAsset.lesson_id, VideoAsset.duration).where(
            VideoAsset.lesson_id.in_(lesson_ids), VideoAsset.status == READY,
            VideoAsset.duration.is_not(None)))}
