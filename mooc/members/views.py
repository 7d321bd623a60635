"""成员管理: a lead's (or admin's) member list, new member, edit, account actions."""
import csv
import io

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mooc.accounts.models import CATEGORIES, User
from mooc.core.forms import options
from mooc.core.parsing import ascii_int
from mooc.core.permissions import require
from mooc.core.services import audit
from mooc.core.tabular import escape_formula
from mooc.core.views_support import commit_or_flash
from mooc.extensions import db
from mooc.members import changes, services
from mooc.members import permissions as perms
from mooc.members.forms import (CategoryForm, MemberFilterForm, MemberForm, NewMemberForm,
                                TransferForm)
from mooc.org.forms import unit_choices
from mooc.org.models import Organisation
from mooc.org.services import flat_tree

bp = Blueprint("members", __name__, url_prefix="/members")
PER_PAGE = 30


def _member(user_id):
    """A member the signed-in user may see; anyone else is a 404 (never a hint)."""
    user = db.session.get(User, user_id)
    if user is None or not perms.can_see_member(current_user, user):
        abort(404)
    return user


def _org(value):
    """The unit a form names; whether it is in scope is the service's (and query's) rule."""
    org_id = ascii_int(value)
    return db.session.get(Organisation, org_id) if org_id is not None else None


def _filters():
    form = MemberFilterForm(request.args)
    form.org.choices = options(unit_choices(services.scope_units(current_user),
                                            blank=_("全部组织")))
    filters = form.filters()
    active = {"1": True, "0": False}.get(filters.get("active"))
    query = services.member_query(current_user, q=filters.get("q"),
                                  org=_org(filters.get("org")),
                                  category=filters.get("category"), active=active)
    return form, filters, query


@bp.route("/")
@require(perms.can_manage_members)
def index():
    form, filters, query = _filters()
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False, max_per_page=PER_PAGE)
    return render_template("members/index.html", form=form, page=page, filters=filters,
                           root=perms.scope_root(current_user),
                           pending=len(changes.transfers_for(current_user, "pending")))


@bp.route("/export.csv")
@require(perms.can_manage_members)
def export():
    _form, filters, query = _filters()
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 CSV correctly with a BOM
    writer = csv.writer(out)
    writer.writerow(["姓名", "账号", "所属组织", "政治面貌", "手机号", "电子邮箱", "入党日期",
                     "转正日期", "状态"])
    count = 0
    for user in db.session.scalars(query):
        count += 1
        writer.writerow([escape_formula(v or "") for v in (
            user.name, user.username, user.org.name if user.org else "",
            str(user.category_label), user.phone, user.email,
            user.joined_party_on.isoformat() if user.joined_party_on else "",
            user.full_member_on.isoformat() if user.full_member_on else "",
            "正常" if user.active else "已停用")])
    audit("member.export", perms.scope_root(current_user), f"导出成员名单 {count} 人",
          filters={k: str(v) for k, v in filters.items()}, count=count)
    db.session.commit()
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename*=UTF-8''%E6%88%90%E5%91%98.csv"})


def _unit_choices(form):
    form.org.choices = options(unit_choices(services.scope_units(current_user)))


def _dates(form):
    return dict(joined_party_on=form.joined_party_on.data, full_member_on=form.full_member_on.data)


def _code_page(member, code, created=False):
    """The one-time code, shown in this response only (never flashed or stored)."""
    response = Response(render_template("members/code.html", member=member, code=code,
                                        created=created))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/new", methods=["GET", "POST"])
@require(perms.can_manage_members)
def create():
    form = NewMemberForm()
    _unit_choices(form)
    if form.validate_on_submit():
        with commit_or_flash(services.MemberError, services.accounts.AccountError) as outcome:
            member, code = services.create_member(
                current_user, username=form.username.data, name=form.name.data,
                org=_org(form.org.data), category=form.category.data, phone=form.phone.data,
                email=form.email.data, **_dates(form))
        if outcome.ok:
            return _code_page(member, code, created=True)
    return render_template("members/form.html", form=form, member=None)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@require(perms.can_manage_members)
def edit(user_id):
    member = _member(user_id)
    form = MemberForm(obj=None if request.method == "POST" else member)
    _unit_choices(form)
    if request.method == "GET":
        form.org.data = str(member.org_id or "")
    if form.validate_on_submit():
        with commit_or_flash(services.MemberError, services.accounts.AccountError) as outcome:
            services.update_member(current_user, member, name=form.name.data,
                                   org=_org(form.org.data), phone=form.phone.data,
                                   email=form.email.data, **_dates(form))
        if outcome.ok:
            flash(_("已保存。"), "success")
            return redirect(url_for("members.edit", user_id=member.id))
    category_form = CategoryForm(prefix="cat")
    transfer_form = TransferForm(prefix="tr")
    transfer_form.to_org.choices = options(unit_choices(
        [u for u in flat_tree() if u.kind in ("branch", "group") and u.id != member.org_id]))
    return render_template(
        "members/form.html", form=form, member=member, category_form=category_form,
        transfer_form=transfer_form, can_change=perms.can_change_member(current_user, member),
        history=changes.category_history(member), transfers=changes.member_transfers(member),
        categories=CATEGORIES)


def _action(user_id, change, message):
    member = _member(user_id)
    with commit_or_flash(services.MemberError, services.accounts.AccountError) as outcome:
        change(member)
    if outcome.ok:
        flash(message(member), "success")
    return redirect(url_for("members.edit", user_id=member.id))


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
@require(perms.can_manage_members)
def deactivate(user_id):
    return _action(user_id, lambda m: services.set_member_active(current_user, m, False),
                   lambda m: _("已停用 %(username)s，该账号已无法登录。", username=m.username))


@bp.route("/<int:user_id>/activate", methods=["POST"])
@require(perms.can_manage_members)
def activate(user_id):
    return _action(user_id, lambda m: services.set_member_active(current_user, m, True),
                   lambda m: _("已启用 %(username)s。", username=m.username))


@bp.route("/<int:user_id>/reset-password", methods=["POST"])
@require(perms.can_manage_members)
def reset_password(user_id):
    member = _member(user_id)
    with commit_or_flash(services.MemberError, services.accounts.AccountError) as outcome:
        code = services.reset_member_password(current_user, member)
    if not outcome.ok:
        return redirect(url_for("members.edit", user_id=member.id))
    return _code_page(member, code)


@bp.route("/<int:user_id>/category", methods=["POST"])
@require(perms.can_manage_members)
def category(user_id):
    member = _member(user_id)
    form = CategoryForm(prefix="cat")
    if not form.validate_on_submit():
        flash(_("请选择政治面貌并填写日期。"), "error")
        return redirect(url_for("members.edit", user_id=member.id))
    return _action(user_id, lambda m: changes.change_category(
        current_user, m, form.category.data, form.effective_on.data),
        lambda m: _("已记录政治面貌变更：%(label)s。", label=m.category_label))
