"""`flask --app mooc quiz import|export` — the same services as the bank editor."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from mooc.catalog.services import course_by_slug
from mooc.extensions import db
from mooc.quizzes import importing


@click.group("quiz")
def quiz_group():
    """测验题库。"""


def _course(slug):
    course = course_by_slug(slug)
    if course is None:
        raise click.ClickException(f"没有标识为“{slug}”的课程。")
    return course


@quiz_group.command("import")
@click.argument("course_slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True,
                                        path_type=Path))
@click.option("--yes", "accept_unsupported", is_flag=True,
              help="确认跳过不支持的题型（匹配题、数值题、问答题等）")
@with_appcontext
def import_command(course_slug, file, accept_unsupported):
    """把 GIFT、.xlsx 或 .csv 题目文件导入课程题库（有任何错误则全部不导入）。"""
    course = _course(course_slug)
    with file.open("rb") as handle:
        data = handle.read(current_app.config["MAX_IMPORT_BYTES"] + 1)
    _fmt, result = importing.parse_upload(file.name, data)
    for issue in result.issues:
        prefix = "不支持（跳过）" if issue.severity == "unsupported" else "错误"
        click.echo(f"{prefix} {issue}", err=True)
    if result.errors:
        raise click.ClickException(f"文件中有 {len(result.errors)} 处错误，没有导入任何题目。")
    if result.unsupported and not accept_unsupported:
        raise click.ClickException(f"文件中有 {len(result.unsupported)} 道不支持的题型，"
                                   "没有导入任何题目；加 --yes 确认跳过这些题目。")
    try:
        summary = importing.commit_import(course, result, None,
                                          accept_unsupported=accept_unsupported,
                                          source=file.name)
    except importing.ImportRefused as exc:
        db.session.rollback()
        raise click.ClickException(str(exc))
    db.session.commit()
    click.echo(f"已导入到“{course.title}”：{summary}")


@quiz_group.command("export")
@click.argument("course_slug")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--archived", is_flag=True, help="同时导出已归档的题目")
@with_appcontext
def export_command(course_slug, file, archived):
    """导出课程题库；格式由扩展名决定：.gift/.txt、.xlsx 或 .csv。"""
    course = _course(course_slug)
    fmt = importing.format_for_name(file.name)
    if fmt is None:
        raise click.ClickException("文件扩展名应为 .gift、.txt、.xlsx 或 .csv。")
    payload, _mimetype, _name = importing.export_bank(course, fmt, include_archived=archived)
    file.write_bytes(payload)
    click.echo(f"已导出“{course.title}”的题库到 {file}")


