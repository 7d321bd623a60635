"""`flask --app mooc users …` commands for leads, calling the same services as the pages.

`--as`/`--by` names the acting account; scope is checked exactly as on the web, and a
lead acting outside their subtree gets a Chinese error and a non-zero exit.
"""
from datetime import date

import click
from flask.cli import with_appcontext

from mooc.accounts import services as accounts
from mooc.accounts.models import CATEGORIES, CATEGORY_BY_LABEL
from mooc.extensions import db
from mooc.members import changes, services
from mooc.members import permissions as perms
from mooc.org.services import find_by_label


def _actor(username):
    user = accounts.find_by_username(username)
    if user is None or not user.active:
        raise click.ClickException(f"找不到账号“{username}”或该账号已停用。")
    if not perms.can_manage_members(user):
        raise click.ClickException(f"“{username}”没有管理成员的权限。")
    return user


def _run(change):
    """Apply a service call and commit, or roll back and exit non-zero with its message."""
    try:
        result = change()
    except services.MemberError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc))
    except accounts.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc))
    db.session.commit()
    return result


@click.command("list")
@click.option("--as", "actor_name", required=True, help="以哪个账号的权限查看（书记只看到本组织及下级）")
@click.option("--q", default=None, help="按姓名、账号、手机或邮箱搜索")
@click.option("--limit", default=200, show_default=True)
@with_appcontext
def list_members(actor_name, q, limit):
    """列出成员（按 --as 账号的管理范围）。"""
    actor = _actor(actor_name)
    query = services.member_query(actor, q=q).limit(max(1, min(limit, 10000)))
    count = 0
    for user in db.session.scalars(query):
        count += 1
        click.echo("\t".join([user.username, user.name, user.org.name if user.org else "—",
                              str(user.category_label), "正常" if user.active else "已停用"]))
    click.echo(f"共 {count} 人", err=True)


@click.command("reset-password")
@click.argument("username")
@click.option("--by", "actor_name", required=True, help="执行操作的账号")
@with_appcontext
def reset_password(username, actor_name):
    """重置成员密码为一次性临时密码（只显示这一次，成员登录后必须修改）。"""
    actor = _actor(actor_name)
    code = _run(lambda: services.reset_member_password(actor, changes.find_member(actor,
                                                                                 username)))
    click.echo(f"已重置 {username} 的密码。临时密码：{code}（只显示这一次）")


@click.command("transfer")
@click.argument("username")
@click.argument("org_label")
@click.option("--by", "actor_name", required=True)
@click.option("--note", default="")
@with_appcontext
def transfer(username, org_label, actor_name, note):
    """发起组织关系转接（等待转入组织接收）。"""
    actor = _actor(actor_name)
    org, reason = find_by_label(org_label)
    if org is None:
        raise click.ClickException(reason)
    item = _run(lambda: changes.start_transfer(actor, changes.find_member(actor, username),
                                               org, note))
    click.echo(f"已发起转接 #{item.id}：{username} → {org.name}，等待接收。")


def _decide(transfer_id, actor_name, accept):
    actor = _actor(actor_name)

    def change():
        changes.decide_transfer(actor, changes.get_transfer(actor, transfer_id), accept)
    _run(change)
    click.echo(f"已{'接收' if accept else '拒绝'}转接 #{transfer_id}。")


@click.command("accept-transfer")
@click.argument("transfer_id", type=int)
@click.option("--by", "actor_name", required=True)
@with_appcontext
def accept_transfer(transfer_id, actor_name):
    """接收一项转入的组织关系转接。"""
    _decide(transfer_id, actor_name, True)


@click.command("decline-transfer")
@click.argument("transfer_id", type=int)
@click.option("--by", "actor_name", required=True)
@with_appcontext
def decline_transfer(transfer_id, actor_name):
    """拒绝一项转入的组织关系转接。"""
    _decide(transfer_id, actor_name, False)


@click.command("set-category")
@click.argument("username")
@click.argument("category")
@click.option("--date", "on", default=None, help="生效日期 YYYY-MM-DD（默认今天）")
@click.option("--by", "actor_name", required=True)
@with_appcontext
def set_category(username, category, on, actor_name):
    """记录政治面貌变更（如 预备党员 --date 2026-07-01）。"""
    actor = _actor(actor_name)
    code = CATEGORY_BY_LABEL.get(category, category)
    if code not in CATEGORIES:
        raise click.ClickException(f"政治面貌“{category}”无效。")
    try:
        effective_on = date.fromisoformat(on) if on else None
    except ValueError:
        raise click.ClickException(f"日期“{on}”格式不正确，应为 YYYY-MM-DD。")
    _run(lambda: changes.change_category(actor, changes.find_member(actor, username), code,
                                         effective_on))
    click.echo(f"已将 {username} 的政治面貌记为 {CATEGORIES[code]}。")


COMMANDS = [list_members, reset_password, transfer, accept_transfer, decline_transfer,
            set_category]


def add_to(group):
    for command in COMMANDS:
        group.add_command(command)
