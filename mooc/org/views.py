"""Admin screens for the organisation tree, and a branch lead's view of their subtree."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from mooc.accounts.models import User
from mooc.core.permissions import can_manage_org, can_view_dashboard, can_view_whole_tree, require
from mooc.extensions import db
from mooc.org import services
from mooc.org.forms import CreateOrgForm, MergeOrgForm, MoveOrgForm, RenameOrgForm, unit_choices
from mooc.org.models import Organisation

bp = Blueprint("org", __name__)


def _member_counts():
    return dict(db.session.execute(
        select(User.org_id, func.count(User.id)).where(User.active.is_(True))
        .group_by(User.org_id)).all())


def _get_org(org_id):
    return db.session.get(Organisation, org_id) or abort(404)


@bp.route("/admin/org")
@require(can_manage_org)
def manage():
    units = services.flat_tree()
    create_form = CreateOrgForm()
    create_form.parent.choices = unit_choices(units, blank=_("（顶级）"))
    return render_template("org/manage.html", units=units, counts=_member_counts(),
                           create_form=create_form)


@bp.route("/admin/org/create", methods=["POST"])
@require(can_manage_org)
def create():
    form = CreateOrgForm()
    form.parent.choices = unit_choices(services.flat_tree(), blank="")
    if form.validate_on_submit():
        parent = _get_org(int(form.parent.data)) if form.parent.data else None
        try:
            org = services.create_org(form.name.data, form.kind.data, parent)
        except services.OrgError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("已创建组织：%(name)s", name=org.name), "success")
    else:
        for errors in form.errors.values():
            flash("；".join(map(str, errors)), "error")
    return redirect(url_for("org.manage"))


@bp.route("/admin/org/<int:org_id>", methods=["GET", "POST"])
@require(can_manage_org)
def edit(org_id):
    org = _get_org(org_id)
    units = services.flat_tree()
    outside = [u for u in units if not u.is_within(org)]
    rename_form, move_form, merge_form = RenameOrgForm(prefix="rename"), \
        MoveOrgForm(prefix="move"), MergeOrgForm(prefix="merge")
    rename_form.name.data = rename_form.name.data or org.name
    move_form.parent.choices = unit_choices(outside, blank=_("（顶级）"))
    merge_form.target.choices = unit_choices(outside)
    members = db.session.scalars(select(User).where(User.org_id == org.id)
                                 .order_by(User.name)).all()
    return render_template("org/edit.html", org=org, rename_form=rename_form,
                           move_form=move_form, merge_form=merge_form, members=members,
                           full_name=services.full_name(org))


@bp.route("/admin/org/<int:org_id>/<action>", methods=["POST"])
@require(can_manage_org)
def change(org_id, action):
    org = _get_org(org_id)
    try:
        if action == "rename":
            form = RenameOrgForm(prefix="rename")
            if not form.validate_on_submit():
                raise services.OrgError(_("请输入新名称。"))
            services.rename_org(org, form.name.data)
        elif action == "move":
            form = MoveOrgForm(prefix="move")
            form.parent.choices = unit_choices(services.flat_tree(), blank="")
            if not form.validate_on_submit():
                raise services.OrgError(_("请选择上级组织。"))
            services.move_org(org, _get_org(int(form.parent.data)) if form.parent.data else None)
        elif action == "merge":
            form = MergeOrgForm(prefix="merge")
            form.target.choices = unit_choices(services.flat_tree())
            if not form.validate_on_submit():
                raise services.OrgError(_("请选择目标组织。"))
            target = _get_org(int(form.target.data))
            services.merge_org(org, target)
            db.session.commit()
            flash(_("已合并，成员已转入“%(name)s”。", name=target.name), "success")
            return redirect(url_for("org.edit", org_id=target.id))
        else:
            abort(404)
    except services.OrgError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("已保存。"), "success")
    return redirect(url_for("org.edit", org_id=org_id))


@bp.route("/org")
@require(can_view_dashboard)
def overview():
    """A branch lead's own subtree (admins see the whole tree)."""
    whole_tree = can_view_whole_tree(current_user)
    root = None if whole_tree else current_user.org
    if root is None and not whole_tree:
        abort(403)
    units = services.flat_tree(root)
    return render_template("org/overview.html", units=units, counts=_member_counts(), root=root)
