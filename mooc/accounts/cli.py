"""`flask --app mooc users …` — the same services as the admin screens."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from mooc.accounts import roster, services
from mooc.accounts.models import CATEGORIES, CATEGORY_BY_LABEL, ROLE_BY_LABEL, ROLES
from mooc.extensions import db
from mooc.org.services import find_by_label


@click.group("users")
def users_group():
    """用户管理。"""


def _choice(value, codes, by_label, what):
    if value in codes:
        return value
    if value in by_label:
        return by_label[value]
    raise click.BadParameter(f"{what}“{value}”无效，可选：{', '.join(codes)}")


@users_group.command("create")
@click.argument("username")
@click.option("--password", required=True, help="初始密码")
@click.option("--role", default="learner", show_default=True, help="learner/instructor/branch_lead/admin")
@click.option("--org", "org_label", default=None, help="所属组织（名称或 党委/党总支/党支部 路径）")
@click.option("--category", default="full_member", show_default=True, help="政治面貌")
@click.option("--name", default=None, help="姓名（默认同账号）")
@with_appcontext
def create_user(username, password, role, org_label, category, name):
    """创建一个用户。"""
    role = _choice(role, ROLES, ROLE_BY_LABEL, "角色")
    category = _choice(category, CATEGORIES, CATEGORY_BY_LABEL, "政治面貌")
    org = None
    if org_label:
        org, reason = find_by_label(org_label)
        if org is None:
            raise click.ClickException(reason)
    try:
        user = services.create_user(username, name or username, password, role=role,
                                    category=category, org=org)
    except services.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc))
    db.session.commit()
    click.echo(f"已创建用户 {user.username}（{user.role_label}）")


@users_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True,
                                        path_type=Path))
@click.option("--password", default=None,
              help="新账号的初始密码（默认取配置 ROSTER_DEFAULT_PASSWORD）")
@click.option("--dry-run", is_flag=True, help="只检查并显示将要进行的操作，不写入数据库")
@with_appcontext
def import_roster(file, password, dry_run):
    """从 .xlsx 或 .csv 名册导入用户（有任何错误则全部不导入）。"""
    limit = current_app.config["MAX_IMPORT_BYTES"]
    with file.open("rb") as handle:
        data = handle.read(limit + 1)  # one byte over is enough to report "too big"
    preview = roster.parse_roster(file.name, data)
    if not preview.ok:
        for error in preview.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"名册中有 {len(preview.errors)} 处错误，没有导入任何数据。")
    counts = preview.counts
    if dry_run:
        click.echo(f"检查通过（未写入）：将新建 {counts['create']} 人，更新 {counts['update']} 人，"
                   f"无变化 {counts['unchanged']} 人")
        return
    try:
        summary = roster.commit_roster(preview, actor=None, default_password=password)
    except roster.RosterError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc))
    db.session.commit()
    click.echo(f"已导入：新建 {summary.created} 人，更新 {summary.updated} 人，"
               f"无变化 {summary.unchanged} 人")


