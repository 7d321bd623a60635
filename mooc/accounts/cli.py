"""`flask --app mooc users …` — the same services as the admin screens."""
import click
from flask.cli import with_appcontext

from mooc.accounts import services
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


COMMANDS = [users_group]
