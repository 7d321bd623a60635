"""Bring videos transcoded before the current rendition ladder up to it, in the background.

A video made by an older ladder (`VideoAsset.ladder < LADDER_VERSION`: e.g. 360p and
720p MP4 only, no HLS, no 240p, no sound-only file) is transcoded again from its stored
source. Learners keep watching the old files meanwhile — the asset stays `ready`, and
the new files replace the old ones atomically, file by file — and instructors see the
upgrade's progress on the lesson's video panel (`upgrade_progress`, 0–1; None when
none is pending).

`queue_upgrades()` is run by `flask --app mooc video upgrade` and, once, when the
worker starts (a worker_startup hook): one background job per video, so a deployment
converts its library without anyone remembering to.
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from mooc.core import jobs, storage
from mooc.core.models import BackgroundJob, utcnow
from mooc.extensions import db
from mooc.video.models import DERIVED_NAMESPACE, READY, VideoAsset
from mooc.video.processing import ffmpeg_tools
from mooc.video.processing.rendition_plan import LADDER_VERSION
from mooc.video.processing.transcoding import apply_result, settings

log = logging.getLogger(__name__)
UPGRADE_JOB = "video.upgrade"      # run by video.tasks.upgrade_video_task


def outdated_assets():
    """Ready videos made by an older ladder, oldest first."""
    return list(db.session.scalars(
        select(VideoAsset).where(VideoAsset.status == READY,
                                 VideoAsset.ladder < LADDER_VERSION)
        .order_by(VideoAsset.id)))


def queue_upgrades(*, force=False):
    """One upgrade job per outdated video not already queued; returns how many were queued.

    ``force`` queues again videos whose upgrade is marked pending (after a worker
    crash left one half done).
    """
    queued = 0
    for asset in outdated_assets():
        if asset.upgrade_progress is not None and not force:
            continue
        asset.upgrade_progress = 0.0
        db.session.commit()
        jobs.start_job(UPGRADE_JOB, "upgrade_video_task", asset.id,
                       message=f"视频升级为自适应码率：{asset.filename}")
        queued += 1
    return queued


def queue_upgrades_at_start(app):
    """worker_startup hook: the worker converts older videos without being asked."""
    with app.app_context():
        try:
            count = queue_upgrades()
        except Exception:  # a start-up hook must not stop the worker
            log.exception("queueing video ladder upgrades failed")
            db.session.rollback()
            return
        if count:
            log.info("queued %s video ladder upgrades", count)


def _report(job_id, asset_id, fraction):
    asset = db.session.get(VideoAsset, asset_id)
    if asset is None:
        raise LookupError(asset_id)
    asset.upgrade_progress = max(asset.upgrade_progress or 0.0, min(1.0, fraction))
    jobs.update_job(job_id, progress=asset.upgrade_progress)       # commits


def upgrade(job_id, asset_id):
    """The job body: transcode again to the current ladder. Never raises."""
    asset = db.session.get(VideoAsset, asset_id)
    if asset is None or asset.status != READY:
        jobs.update_job(job_id, status=BackgroundJob.FAILED, message="视频已被删除或不可用。")
        return None
    if asset.ladder >= LADDER_VERSION:
        asset.upgrade_progress = None
        jobs.update_job(job_id, status=BackgroundJob.DONE, progress=1.0, message="已是最新码率阶梯。")
        return asset
    source = storage.path_for(asset.source_key)
    out_dir = storage.derived_dir(DERIVED_NAMESPACE, asset_id)
    jobs.update_job(job_id, status=BackgroundJob.RUNNING, progress=0.0,
                    message="正在转码为自适应码率…")
    # No ORM attribute is read while ffmpeg runs (see transcoding.process).
    try:
        result = ffmpeg_tools.transcode(
            source, out_dir,
            progress=lambda pct: _report(job_id, asset_id, pct / 100 * 0.99), **settings())
    except LookupError:
        db.session.rollback()
        jobs.update_job(job_id, status=BackgroundJob.FAILED, message="视频已被删除。")
        return None
    except Exception as exc:  # the old files keep playing; say why in the job row
        log.exception("upgrading asset %s failed", asset_id)
        db.session.rollback()
        asset = db.session.get(VideoAsset, asset_id)
        if asset is not None:
            asset.upgrade_progress = None
        message = getattr(exc, "message", None) or "视频升级失败（内部错误）。"
        jobs.update_job(job_id, status=BackgroundJob.FAILED, message=f"{message} 原视频仍可播放。")
        return asset
    asset = db.session.get(VideoAsset, asset_id)
    if asset is None:
        db.session.rollback()
        storage.remove_derived(DERIVED_NAMESPACE, asset_id)
        jobs.update_job(job_id, status=BackgroundJob.FAILED, message="视频已被删除。")
        return None
    old_files = {r["file"] for r in asset.renditions or []}
    apply_result(asset, result)
    asset.upgrade_progress = None
    asset.updated_at = utcnow()
    for name in old_files - {r["file"] for r in asset.renditions}:
        (out_dir / name).unlink(missing_ok=True)     # a rung the new ladder no longer has
    jobs.update_job(job_id, status=BackgroundJob.DONE, progress=1.0,
                    message="视频已升级为自适应码率。",
                    result={"asset_id": asset.id, "lesson_id": asset.lesson_id})
    return asset
