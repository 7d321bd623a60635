"""`flask --app mooc video …`: inspect, (re)process, attach and clean up videos."""
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from mooc.catalog.models import Lesson
from mooc.core import storage
from mooc.core.jobs import update_job
from mooc.core.models import BackgroundJob
from mooc.extensions import db
from mooc.video.models import DERIVED_NAMESPACE, VideoAsset
from mooc.video.processing.media_probe import VideoRejected
from mooc.video.processing.transcoding import process
from mooc.video.services import VideoError, attach_video, orphaned_outputs
from mooc.video.ladder import outdated_assets, queue_upgrades, upgrade
from mooc.video.watch import purge_sessions


@click.group("video")
def video_group():
    """视频课时：查看、处理、清理。"""


@video_group.command("list")
@click.option("--status", type=click.Choice(["queued", "processing", "ready", "failed"]))
@with_appcontext
def list_command(status):
    """列出视频及其处理状态。"""
    query = select(VideoAsset).order_by(VideoAsset.id)
    if status:
        query = query.where(VideoAsset.status == status)
    for asset in db.session.scalars(query):
        duration = f"{asset.duration:.1f}s" if asset.duration else "-"
        labels = ",".join(str(r["label"]) for r in asset.renditions or []) or "-"
        click.echo(f"#{asset.id}\t课时 {asset.lesson_id}\t{asset.status}\t{duration}\t{labels}"
                   f"\t{asset.filename}\t{asset.error or ''}")


@video_group.command("process")
@click.argument("asset_id", type=int)
@with_appcontext
def process_command(asset_id):
    """在当前进程中（不经后台队列）处理指定视频，用于排查或没有 worker 时。"""
    asset = db.session.get(VideoAsset, asset_id)
    if asset is None:
        raise click.ClickException(f"视频 #{asset_id} 不存在")
    job = BackgroundJob(kind="video.transcode", message=f"视频处理：{asset.filename}")
    db.session.add(job)
    db.session.commit()
    process(job.id, asset_id)
    job = update_job(job.id)
    click.echo(f"{job.status}: {job.message}")
    if job.status != BackgroundJob.DONE:
        raise SystemExit(1)


@video_group.command("attach")
@click.argument("lesson_id", type=int)
@click.argument("video", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--captions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def attach_command(lesson_id, video, captions):
    """为视频课时添加视频文件（可附字幕），并排队转码。"""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        raise click.ClickException(f"课时 {lesson_id} 不存在")
    try:
        asset = attach_video(lesson, video, captions)
    except (VideoRejected, VideoError) as exc:
        raise click.ClickException(exc.message)
    click.echo(f"视频 #{asset.id}：{asset.status}")


@video_group.command("gc")
@with_appcontext
def gc_command():
    """删除已无视频记录的转码输出，以及一周未活动的观看会话。"""
    orphans = orphaned_outputs()
    for ident in orphans:
        storage.remove_derived(DERIVED_NAMESPACE, ident)
    sessions = purge_sessions()
    db.session.commit()
    click.echo(f"已删除 {len(orphans)} 个无主转码目录、{sessions} 个过期观看会话。")




@video_group.command("upgrade")
@click.option("--inline", is_flag=True, help="在当前进程中逐个转码（不经后台队列）")
@click.option("--force", is_flag=True, help="已标记排队中的视频也重新排队")
@with_appcontext
def upgrade_command(inline, force):
    """把旧视频重新转码为当前的自适应码率阶梯（240p/360p/720p + 音频）。"""
    if not inline:
        count = queue_upgrades(force=force)
        click.echo(f"已排队 {count} 个视频升级；worker 会在后台处理，讲师可在课时的视频面板看到进度。")
        return
    failed = 0
    for asset in outdated_assets():
        job = BackgroundJob(kind="video.upgrade", message=f"视频升级：{asset.filename}")
        db.session.add(job)
        db.session.commit()
        upgrade(job.id, asset.id)
        job = update_job(job.id)
        click.echo(f"#{asset.id}\t{job.status}: {job.message}")
        failed += job.status != BackgroundJob.DONE
    if failed:
        raise SystemExit(1)
