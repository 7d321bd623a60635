"""`flask --app mooc org …`"""
import click
from flask.cli import with_appcontext

from mooc.extensions import db
from mooc.org import services
from mooc.org.models import ORG_KIND_BY_LABEL, ORG_KINDS


@click.group("org")
def org_group():
    """组织管理。"""


@org_group.command("tree")
@with_appcontext
def tree():
    """打印组织树。"""
    for unit in services.flat_tree():
        click.echo(f"{'  ' * unit.depth}{unit.name} [{unit.kind_label}] #{unit.id}")


@org_group.command("create")
@click.argument("name")
@click.option("--kind", default="branch", show_default=True,
              help="committee/general_branch/branch/group 或 党委/党总支/党支部/党小组")
@click.option("--parent", default=None, help="上级组织（名称或路径）")
@with_appcontext
def create(name, kind, parent):
    """创建组织。"""
    kind = ORG_KIND_BY_LABEL.get(kind, kind)
    if kind not in ORG_KINDS:
        raise click.BadParameter(f"组织类型“{kind}”无效")
    parent_org = None
    if parent:
        parent_org, reason = services.find_by_label(parent)
        if parent_org is None:
            raise click.ClickException(reason)
    try:
        org = services.create_org(name, kind, parent_org)
    except services.OrgError as exc:
        raise click.ClickException(str(exc))
    db.session.commit()
    click.echo(f"已创建 {services.full_name(org)}")


