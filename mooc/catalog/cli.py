"""`flask --app mooc courses …` (package import/export commands join this group)."""
import click
from flask import current_app
from flask.cli import with_appcontext

from mooc.catalog import services
from mooc.catalog.packages import PackageWriteError
from mooc.catalog.packages.exporter import export_course
from mooc.catalog.packages.importer import PackageImportError, import_and_commit
from mooc.core import storage
from mooc.core.services import audit
from mooc.extensions import db


@click.group("courses")
def courses_group():
    """课程管理。"""


@courses_group.command("stale")
@click.option("--months", type=click.IntRange(min=1), default=None,
              help="多少个月未更新算陈旧（默认取 STALE_COURSE_MONTHS）")
@with_appcontext
def stale(months):
    """列出内容长期未更新的已发布课程。"""
    months = months or current_app.config["STALE_COURSE_MONTHS"]
    courses, cutoff = services.stale_courses(months)
    if not courses:
        click.echo(f"没有超过 {months} 个月未更新的已发布课程。")
        return
    click.echo(f"以下 {len(courses)} 门已发布课程的内容已超过 {months} 个月未更新"
               f"（早于 {cutoff:%Y-%m-%d}，UTC）：")
    for course in courses:
        owners = "、".join(o.name for o in course.owners) or "（无负责人）"
        click.echo(f"{course.content_updated_at:%Y-%m-%d}  {course.slug}  {course.title}  "
                   f"负责人：{owners}")


@courses_group.command("rerender")
@with_appcontext
def rerender():
    """按当前的安全规则重新生成所有课时的 HTML 缓存。"""
    count = services.rerender_all()
    db.session.commit()
    click.echo(f"已更新 {count} 个课时。")


@courses_group.command("gc-media")
@click.option("--min-age-hours", type=click.IntRange(min=0), default=24, show_default=True)
@with_appcontext
def gc_media(min_age_hours):
    """删除不再被任何课程、课时或附件引用的媒体文件。"""
    try:
        removed = storage.collect_garbage(min_age_seconds=min_age_hours * 3600)
    except storage.GarbageCollectionRefused as exc:
        raise click.ClickException(str(exc))
    click.echo(f"已删除 {len(removed)} 个未使用的文件。")


@courses_group.command("import")
@click.argument("path", type=click.Path(exists=True, file_okay=False))
@click.option("--draft", is_flag=True, help="导入后不发布")
@click.option("--no-video-check", is_flag=True, help="跳过视频解码检查（更快）")
@with_appcontext
def import_command(path, draft, no_video_check):
    """从课程包目录创建或更新课程（按标识对应，可重复导入）。"""
    try:
        summary = import_and_commit(path, None, publish=not draft,
                                    check_videos=not no_video_check)
    except PackageImportError as exc:
        for error in exc.errors:
            click.echo(f"错误 {error.file}" + (f" 第 {error.line} 行" if error.line else "")
                       + f"：{error.message_zh}", err=True)
        raise click.ClickException(f"课程包无效，共 {len(exc.errors)} 处错误，未导入任何内容。")
    course = summary.course
    audit("course.import", course, f"导入课程包 {course.slug}", path=str(path))
    db.session.commit()
    click.echo(summary.describe())


@courses_group.command("export")
@click.argument("slug")
@click.argument("path", type=click.Path(file_okay=False))
@click.option("--overwrite", is_flag=True, help="覆盖已存在的目录（其中其他文件会被删除）")
@with_appcontext
def export_command(slug, path, overwrite):
    """把课程导出为课程包目录。"""
    course = services.course_by_slug(slug)
    if course is None:
        raise click.ClickException(f"找不到标识为“{slug}”的课程")
    try:
        written = export_course(course, path, overwrite=overwrite)
    except PackageWriteError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"已导出 {course.slug} 到 {path}（{len(written)} 个文件）")


