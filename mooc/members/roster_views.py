"""A lead's roster import: the accounts roster flow with the lead's scope.

Same upload → preview → confirm steps and templates as the admin's import
(accounts.roster), all or nothing; rows naming a unit outside the lead's subtree,
an account they may not manage or a role they may not grant are row errors.
"""
import io

from flask import (Blueprint, current_app, flash, redirect, render_template, send_file,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user

from mooc.accounts import roster
from mooc.accounts.admin_forms import RosterConfirmForm, RosterUploadForm
from mooc.core.bodylimits import accepts_body
from mooc.core.permissions import require
from mooc.core.views_support import commit_or_flash
from mooc.members import permissions as perms
from mooc.members import services
from mooc.members.roster_scope import scope_for
from mooc.org.services import full_name

bp = Blueprint("member_roster", __name__, url_prefix="/members/import")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE = dict(roster_bp="member_roster", roster_back="members.index")


@bp.route("/")
@require(perms.can_manage_members)
def roster_import():
    return render_template("accounts/roster_import.html", form=RosterUploadForm(),
                           max_rows=roster.MAX_ROWS, **PAGE)


@bp.route("/template.xlsx")
@require(perms.can_manage_members)
def roster_template():
    branches = [u for u in services.scope_units(current_user) if u.kind in ("branch", "group")]
    example = full_name(branches[0]) if branches else None
    return send_file(io.BytesIO(roster.template_workbook(example)), mimetype=XLSX_MIMETYPE,
                     as_attachment=True, download_name="党员名册模板.xlsx")


@bp.route("/preview", methods=["POST"])
@accepts_body("MAX_IMPORT_BYTES")
@require(perms.can_manage_members)
def roster_preview():
    form = RosterUploadForm()
    if not form.validate_on_submit():
        return render_template("accounts/roster_import.html", form=form,
                               max_rows=roster.MAX_ROWS, **PAGE)
    filename = form.file.data.filename or ""
    data = form.file.data.stream.read(current_app.config["MAX_IMPORT_BYTES"] + 1)
    preview = roster.parse_roster(filename, data, scope=scope_for(current_user))
    token = roster.save_upload(filename, data, current_user.id) if preview.ok else ""
    return render_template("accounts/roster_preview.html", preview=preview,
                           confirm_form=RosterConfirmForm(token=token), **PAGE)


@bp.route("/confirm", methods=["POST"])
@accepts_body("MAX_IMPORT_BYTES")
@require(perms.can_manage_members)
def roster_confirm():
    form = RosterConfirmForm()
    upload = roster.load_upload(form.token.data, current_user.id) \
        if form.validate_on_submit() else None
    if upload is None:
        flash(_("上传的名册已失效，请重新上传。"), "error")
        return redirect(url_for("member_roster.roster_import"))
    # Parse again, with the scope: the tree or the lead's unit may have changed.
    preview = roster.parse_roster(*upload, scope=scope_for(current_user))
    with commit_or_flash(roster.RosterError) as outcome:
        summary = roster.commit_roster(preview, actor=current_user)
    if not outcome.ok:
        return render_template("accounts/roster_preview.html", preview=preview,
                               confirm_form=form, **PAGE)
    roster.discard_upload(form.token.data)
    flash(_("名册已导入：新建 %(created)s 人，更新 %(updated)s 人，无变化 %(unchanged)s 人。"
            "新账号首次登录需修改初始密码。", created=summary.created,
            updated=summary.updated, unchanged=summary.unchanged), "success")
    return redirect(url_for("members.index"))
