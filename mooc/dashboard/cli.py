"""`flask --app mooc dashboard summary|export|purge-exports` — the dashboards from a shell."""
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from mooc.accounts.models import User
from mooc.core.permissions import can_view_dashboard
from mooc.dashboard import exports
from mooc.dashboard.exports import purge_old_exports
from mooc.dashboard.overview import overview, percent_text
from mooc.extensions import db


@click.group("dashboard")
def dashboard_group():
    """学习统计。"""


def _viewer(username):
    from sqlalchemy import select
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not can_view_dashboard(user):
        raise click.ClickException(f"“{username}”不是管理员或支部书记。")
    return user


@dashboard_group.command("summary")
@click.option("--as", "username", required=True, help="以该账号的权限范围统计（管理员或支部书记）")
@with_appcontext
def summary_command(username):
    """按组织列出成员数、必修完成率、逾期人次和人均学时。"""
    data = overview(_viewer(username))
    for unit in data.units:
        click.echo(f"{'  ' * unit.depth}{unit.name}\t成员 {unit.members}\t"
                   f"完成率 {percent_text(unit.completion_rate)}\t逾期 {unit.overdue}\t"
                   f"人均学时 {unit.average_hours:.1f}")


@dashboard_group.command("export")
@click.option("--as", "username", required=True)
@click.option("--view", type=click.Choice(["members", "units"]), default="members")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def export_command(username, view, file):
    """把成员表或组织表导出为 .xlsx 或 .csv（按文件扩展名）。"""
    fmt = file.suffix.lstrip(".").lower()
    if fmt not in exports.FORMATS:
        raise click.ClickException("文件扩展名必须是 .xlsx 或 .csv。")
    header, rows, title = exports.table_for(_viewer(username), view, {})
    with file.open("wb") as stream:
        exports.write(fmt, header, rows, stream, title=title)
    click.echo(f"已导出到 {file}", file=sys.stdout)


@dashboard_group.command("purge-exports")
@with_appcontext
def purge_command():
    """删除过期的导出文件。"""
    click.echo(f"已删除 {purge_old_exports()} 个过期文件。")


