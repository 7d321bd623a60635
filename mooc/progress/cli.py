"""`flask --app mooc progress recompute`: rebuild course completions from lesson progress."""
import click
from flask.cli import with_appcontext
from sqlalchemy import select

from mooc.accounts.models import User
from mooc.extensions import db
from mooc.progress.completion import recompute as recompute_completions
from mooc.progress.hours import format_hours


@click.group("progress")
def progress_group():
    """学习进度与学时。"""


@progress_group.command("recompute")
@click.option("--user", "username", default=None, help="只重算这个账号（默认全部学员）")
@click.option("--prune", is_flag=True,
              help="删除已不再满足完成条件的完成记录（已发证书的记录始终保留）")
@with_appcontext
def recompute(username, prune):
    """按课时学习记录重新计算课程完成情况和学时，并列出差异。"""
    user = None
    if username:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"找不到账号：{username}")
    report = recompute_completions(user, prune=prune)
    for name, title, year, hours in report.created:
        click.echo(f"补记完成：{name}《{title}》{year} 年 {format_hours(hours)} 学时")
    for name, title, old, new in report.year_fixed:
        click.echo(f"更正年份：{name}《{title}》{old} → {new}")
    removed = {(name, title) for name, title, _y, _h in report.removed}
    for name, title, year, hours in report.stale:
        action = "已删除" if (name, title) in removed else "保留"
        click.echo(f"已不满足完成条件（{action}）：{name}《{title}》{year} 年 "
                   f"{format_hours(hours)} 学时")
    click.echo(f"共检查 {report.checked} 条学员-课程记录，发现 {report.differences} 处差异。")


