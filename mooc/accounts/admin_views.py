"""Admin screens for users (list, create, edit, deactivate, reset password, roster import)."""
import io

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from mooc.accounts import roster, services
from mooc.accounts.admin_forms import (ActionForm, CreateUserForm, RosterConfirmForm,
                                       RosterUploadForm, UserDetailsForm, UserFilterForm,
                                       options)
from mooc.accounts.models import ADMIN, User
from mooc.core.permissions import can_manage_users, require
from mooc.core.views_support import commit_or_flash
from mooc.extensions import db
from mooc.org import services as org_services
from mooc.org.forms import unit_choices
from mooc.org.models import Organisation, subtree_filter
from mooc.core.parsing import ascii_int
from mooc.core.bodylimits import accepts_body
from mooc.core.pagination import paginate

bp = Blueprint("accounts_admin", __name__, url_prefix="/admin/users")

PER_PAGE = 30
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _get_user(user_id):
    # <int:> ids are bounded app-wide (core.setup.BoundedIntConverter).
    return db.get_or_404(User, user_id)


def _org_from_choice(value):
    org_id = ascii_int(value)
    return db.session.get(Organisation, org_id) if org_id is not None else None


def _user_query(filters):
    query = select(User).order_by(User.active.desc(), User.name, User.id)
    if filters.get("q"):
        text = filters["q"].strip().lower()
        query = query.where(or_(func.lower(User.name).contains(text, autoescape=True),
                                func.lower(User.username).contains(text, autoescape=True)))
    org = _org_from_choice(filters.get("org"))
    if org is not None:
        # A unit's members include everyone in the units under it.
        query = query.join(Organisation, User.org_id == Organisation.id) \
            .where(subtree_filter(Organisation.path, org.path))
    if filters.get("role"):
        query = query.where(User.role == filters["role"])
    if filters.get("category"):
        query = query.where(User.category == filters["category"])
    if filters.get("active"):
        query = query.where(User.active.is_(filters["active"] == "1"))
    return query


@bp.route("/")
@require(can_manage_users)
def users():
    form = UserFilterForm(request.args)
    form.org.choices = options(unit_choices(org_services.flat_tree(), blank=_("全部组织")))
    filters = form.filters()
    page = paginate(_user_query(filters), per_page=PER_PAGE)
    return render_template("accounts/admin_users.html", form=form, page=page, filters=filters)


def _details_choices(form):
    form.org.choices = options(unit_choices(org_services.flat_tree(),
                                            blank=_("（无，仅限管理员）")))


@bp.route("/new", methods=["GET", "POST"])
@require(can_manage_users)
def create():
    form = CreateUserForm()
    _details_choices(form)
    if form.validate_on_submit():
        with commit_or_flash(services.AccountError) as outcome:
            user = services.create_user(
                form.username.data, form.name.data, form.password.data, role=form.role.data,
                category=form.category.data, org=_org_from_choice(form.org.data),
                phone=(form.phone.data or "").strip(), must_change_password=True)
        if outcome.ok:
            flash(_("已创建用户 %(name)s（%(username)s），首次登录需修改密码。",
                    name=user.name, username=user.username), "success")
            return redirect(url_for("accounts_admin.edit", user_id=user.id))
    return render_template("accounts/admin_user_form.html", form=form, user=None)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@require(can_manage_users)
def edit(user_id):
    user = _get_user(user_id)
    form = UserDetailsForm(obj=None if request.method == "POST" else user)
    _details_choices(form)
    if request.method == "GET":
        form.org.data = str(user.org_id) if user.org_id else ""
    if form.validate_on_submit():
        with commit_or_flash(services.AccountError) as outcome:
            if user.id == current_user.id and form.role.data != ADMIN:
                # Otherwise the last admin can lock everyone out of these screens.
                raise services.AccountError(_("不能取消自己的管理员角色。"))
            services.update_user(user, name=form.name.data, role=form.role.data,
                                 category=form.category.data,
                                 org=_org_from_choice(form.org.data),
                                 phone=(form.phone.data or "").strip())
        if outcome.ok:
            flash(_("已保存。"), "success")
            return redirect(url_for("accounts_admin.edit", user_id=user.id))
    return render_template("accounts/admin_user_form.html", form=form, user=user)


def _account_action(user_id, change, done_message):
    """Shared by the account buttons: check the token, apply `change`, commit once."""
    user = _get_user(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    with commit_or_flash(services.AccountError) as outcome:
        result = change(user)
    if outcome.ok:
        flash(done_message(user, result), "success")
    return redirect(url_for("accounts_admin.edit", user_id=user.id))


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
@require(can_manage_users)
def deactivate(user_id):
    return _account_action(
        user_id, lambda user: services.set_active(user, False, actor=current_user),
        lambda user, _r: _("已停用 %(username)s，该账号已无法登录。", username=user.username))


@bp.route("/<int:user_id>/activate", methods=["POST"])
@require(can_manage_users)
def activate(user_id):
    return _account_action(
        user_id, lambda user: services.set_active(user, True, actor=current_user),
        lambda user, _r: _("已启用 %(username)s。", username=user.username))


@bp.route("/<int:user_id>/reset-password", methods=["POST"])
@require(can_manage_users)
def reset_password(user_id):
    # The temporary password is shown once, in this flash, and stored nowhere else.
    return _account_action(
        user_id, services.reset_password,
        lambda user, temporary: _("已重置 %(username)s 的密码。临时密码：%(password)s"
                                  "（只显示这一次，请转告本人，首次登录需修改）",
                                  username=user.username, password=temporary))


# --------------------------------------------------------------------------
# Roster import: upload → preview → confirm
# --------------------------------------------------------------------------

@bp.route("/import")
@require(can_manage_users)
def roster_import():
    return render_template("accounts/roster_import.html", form=RosterUploadForm(),
                           max_rows=roster.MAX_ROWS)


@bp.route("/import/template.xlsx")
@require(can_manage_users)
def roster_template():
    branches = [u for u in org_services.flat_tree() if u.kind == "branch"]
    example_org = org_services.full_name(branches[0]) if branches else None
    return send_file(io.BytesIO(roster.template_workbook(example_org)), mimetype=XLSX_MIMETYPE,
                     as_attachment=True, download_name="党员名册模板.xlsx")


def _read_upload(storage):
    # Read one byte past the limit: enough for parse_roster to say "too big".
    return storage.stream.read(current_app.config["MAX_IMPORT_BYTES"] + 1)


@bp.route("/import/preview", methods=["POST"])
@accepts_body("MAX_IMPORT_BYTES")
@require(can_manage_users)
def roster_preview():
    form = RosterUploadForm()
    if not form.validate_on_submit():
        return render_template("accounts/roster_import.html", form=form,
                               max_rows=roster.MAX_ROWS)
    filename = form.file.data.filename or ""
    data = _read_upload(form.file.data)
    preview = roster.parse_roster(filename, data)
    token = roster.save_upload(filename, data, current_user.id) if preview.ok else ""
    return render_template("accounts/roster_preview.html", preview=preview,
                           confirm_form=RosterConfirmForm(token=token))


@bp.route("/import/confirm", methods=["POST"])
@accepts_body("MAX_IMPORT_BYTES")
@require(can_manage_users)
def roster_confirm():
    form = RosterConfirmForm()
    upload = roster.load_upload(form.token.data, current_user.id) \
        if form.validate_on_submit() else None
    if upload is None:
        flash(_("上传的名册已失效，请重新上传。"), "error")
        return redirect(url_for("accounts_admin.roster_import"))
    # Parse again: the database may have changed since the preview was shown.
    preview = roster.parse_roster(*upload)
    with commit_or_flash(roster.RosterError) as outcome:
        summary = roster.commit_roster(preview, actor=current_user)
    if not outcome.ok:
        return render_template("accounts/roster_preview.html", preview=preview,
                               confirm_form=form)
    roster.discard_upload(form.token.data)
    flash(_("名册已导入：新建 %(created)s 人，更新 %(updated)s 人，无变化 %(unchanged)s 人。"
            "新账号首次登录需修改初始密码。", created=summary.created,
            updated=summary.updated, unchanged=summary.unchanged), "success")
    return redirect(url_for("accounts_admin.users"))
