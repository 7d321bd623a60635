"""The processing job: check the whole upload, transcode it, publish the result.

Runs in the worker (or inline when huey is immediate, as in tests). Each step
reports into the BackgroundJob row and the asset, in short commits, so the author's
page can show queued → processing (percent) → ready, or failed with the reason.

An upload that turns out not to be a usable video (the full decode pass catches a
truncated MP4 whose header looked fine) is *rejected*: its asset row and stored
file are removed, and only the job row keeps the reason for the author. A failure
of ours (ffmpeg missing, crashed, timed out) keeps the asset as `failed` so the
author can retry.
"""
from __future__ import annotations

import logging

from flask import current_app

from mooc.core import jobs, storage
from mooc.core.models import BackgroundJob, utcnow
from mooc.extensions import db
from mooc.video import services
from mooc.video.models import DERIVED_NAMESPACE, FAILED, PROCESSING, READY, VideoAsset
from mooc.video.processing import ffmpeg_tools
from mooc.video.processing.rendition_plan import DEFAULT_LADDER, LADDER_VERSION

log = logging.getLogger(__name__)
VALIDATE_SHARE = 0.1      # of the progress bar: the decode pass before transcoding
GENERIC_FAILURE = "视频处理失败（内部错误），请重试；如仍失败请联系管理员。"


class _AssetGone(Exception):
    """The asset row disappeared while we worked (lesson or video deleted)."""


def settings():
    """The transcode() options the app's configuration asks for (the rendition ladder)."""
    config = current_app.config
    return dict(heights=tuple(config.get("VIDEO_RENDITIONS", DEFAULT_LADDER)),
                preset=config.get("TRANSCODE_PRESET", "veryfast"),
                hls=bool(config.get("VIDEO_HLS", True)),
                audio_only=bool(config.get("VIDEO_AUDIO_ONLY", True)))


def _report(job_id, asset_id, fraction, message=None, **fields):
    """Progress into both rows in one short transaction."""
    asset = db.session.get(VideoAsset, asset_id)
    if asset is None:
        raise _AssetGone()
    asset.progress = max(asset.progress or 0.0, min(1.0, fraction))
    for name, value in fields.items():
        setattr(asset, name, value)
    asset.updated_at = utcnow()
    jobs.update_job(job_id, progress=asset.progress, message=message)   # commits


def process(job_id, asset_id):
    """The job body (see tasks.process_video_task). Never raises: outcomes go to the rows."""
    asset = db.session.get(VideoAsset, asset_id)
    if asset is None:
        jobs.update_job(job_id, status=BackgroundJob.FAILED, message="视频已被删除。")
        return None
    source = storage.path_for(asset.source_key)
    validated = asset.validated
    asset.status, asset.job_id, asset.progress, asset.error = PROCESSING, job_id, 0.0, ""
    asset.updated_at = utcnow()
    jobs.update_job(job_id, status=BackgroundJob.RUNNING, progress=0.0,
                    message="正在检查视频…")
    # From here on no ORM attribute is read outside _report: a read would open a
    # transaction, and on SQLite a worker's transaction holds the write lock while
    # ffmpeg runs for minutes.
    out_dir = storage.derived_dir(DERIVED_NAMESPACE, asset_id)
    try:
        info = None
        if not validated:
            info = ffmpeg_tools.validate_video(source)
        _report(job_id, asset_id, VALIDATE_SHARE, "正在转码…", validated=True)
        result = ffmpeg_tools.transcode(
            source, out_dir, info=info,
            progress=lambda pct: _report(job_id, asset_id,
                                         VALIDATE_SHARE + (1 - VALIDATE_SHARE) * pct / 100 * 0.99),
            **settings())
    except ffmpeg_tools.VideoRejected as exc:
        return _reject(job_id, asset_id, exc)
    except _AssetGone:
        return _gone(job_id, asset_id)
    except ffmpeg_tools.TranscodeError as exc:
        log.warning("transcoding asset %s failed: %s", asset_id, exc)
        return _fail(job_id, asset_id, exc.message)
    except ffmpeg_tools.FFmpegNotFound as exc:
        log.error("no ffmpeg: %s", exc)
        return _fail(job_id, asset_id, "服务器未安装视频处理组件（ffmpeg），请联系管理员。")
    except Exception:  # a job must end in a state the author can see, whatever happened
        log.exception("processing asset %s failed", asset_id)
        db.session.rollback()
        if db.session.get(VideoAsset, asset_id) is None:
            return _gone(job_id, asset_id)
        return _fail(job_id, asset_id, GENERIC_FAILURE)
    return _publish(job_id, asset_id, result)


def _publish(job_id, asset_id, result):
    asset = db.session.get(VideoAsset, asset_id)
    if asset is None:
        return _gone(job_id, asset_id)
    apply_result(asset, result)
    asset.status, asset.progress, asset.error = READY, 1.0, ""
    asset.updated_at = utcnow()
    services.remove_superseded(asset)
    jobs.update_job(job_id, status=BackgroundJob.DONE, progress=1.0, message="视频处理完成。",
                    result={"asset_id": asset.id, "lesson_id": asset.lesson_id,
                            "duration": asset.duration})
    return asset


def apply_result(asset, result):
    """What a finished transcode tells the asset row (the caller commits)."""
    asset.duration = round(result.duration, 3)
    asset.width, asset.height = result.source.width, result.source.height
    asset.renditions = [{"label": r.label, "file": r.filename, "width": r.width,
                         "height": r.height, "size": r.size_bytes, "video_kbps": r.video_kbps}
                        for r in sorted(result.renditions, key=lambda r: r.label)]
    asset.has_poster = result.poster.is_file()
    asset.hls = result.hls_master is not None
    asset.has_audio_only = result.audio is not None
    asset.ladder = LADDER_VERSION
    asset.transcode_seconds = result.elapsed_seconds


def _reject(job_id, asset_id, exc):
    db.session.rollback()
    asset = db.session.get(VideoAsset, asset_id)
    lesson_id = asset.lesson_id if asset is not None else None
    if asset is not None:
        services.discard_rejected(asset)
    jobs.update_job(job_id, status=BackgroundJob.FAILED, message=exc.message,
                    result={"rejected": True, "reason": exc.code, "lesson_id": lesson_id})
    return None


def _fail(job_id, asset_id, message):
    db.session.rollback()
    asset = db.session.get(VideoAsset, asset_id)
    if asset is None:
        return _gone(job_id, asset_id)
    asset.status, asset.error = FAILED, message
    asset.updated_at = utcnow()
    jobs.update_job(job_id, status=BackgroundJob.FAILED, message=message,
                    result={"asset_id": asset_id, "lesson_id": asset.lesson_id})
    return asset


def _gone(job_id, asset_id):
    db.session.rollback()
    storage.remove_derived(DERIVED_NAMESPACE, asset_id)
    jobs.update_job(job_id, status=BackgroundJob.FAILED, message="视频已被删除。")
    return None
