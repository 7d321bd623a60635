"""组织关系转接 pages: start (sending side), the list both sides see, accept/decline/cancel."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mooc.core.permissions import require
from mooc.core.views_support import commit_or_flash
from mooc.extensions import db
from mooc.members import changes, services
from mooc.members import permissions as perms
from mooc.members.forms import TransferForm
from mooc.members.models import PENDING
from mooc.members.views import _member
from mooc.org.models import Organisation
from mooc.core.parsing import ascii_int
from mooc.core.forms import options
from mooc.org.forms import unit_choices
from mooc.org.services import flat_tree

bp = Blueprint("member_transfers", __name__, url_prefix="/members")


@bp.route("/<int:user_id>/transfer", methods=["POST"])
@require(perms.can_manage_members)
def start(user_id):
    member = _member(user_id)
    form = TransferForm(prefix="tr")
    form.to_org.choices = options(unit_choices(flat_tree()))
    to_org_id = ascii_int(form.to_org.data) if form.validate_on_submit() else None
    to_org = db.session.get(Organisation, to_org_id) if to_org_id is not None else None
    with commit_or_flash(services.MemberError) as outcome:
        changes.start_transfer(current_user, member, to_org, form.note.data)
    if outcome.ok:
        flash(_("已发起转接，等待“%(org)s”接收。", org=to_org.name), "success")
    return redirect(url_for("members.edit", user_id=member.id))


@bp.route("/transfers")
@require(perms.can_manage_members)
def index():
    transfers = changes.transfers_for(current_user)
    pending = [t for t in transfers if t.status == PENDING]
    done = [t for t in transfers if t.status != PENDING][:50]
    return render_template("members/transfers.html", pending=pending, done=done,
                           can_receive=lambda t: changes.can_receive(current_user, t),
                           can_cancel=lambda t: changes.can_cancel(current_user, t))


@bp.route("/transfers/<int:transfer_id>/<decision>", methods=["POST"])
@require(perms.can_manage_members)
def decide(transfer_id, decision):
    if decision not in ("accept", "decline", "cancel"):
        abort(404)
    try:
        transfer = changes.get_transfer(current_user, transfer_id)
    except services.MemberError:
        abort(404)
    with commit_or_flash(services.MemberError) as outcome:
        if decision == "cancel":
            changes.cancel_transfer(current_user, transfer)
        else:
            changes.decide_transfer(current_user, transfer, decision == "accept")
    if outcome.ok:
        flash({"accept": _("已接收转入。"), "decline": _("已拒绝该转接。"),
               "cancel": _("已撤回该转接。")}[decision], "success")
    return redirect(url_for("member_transfers.index"))
