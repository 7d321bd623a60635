"""Admin screens for users (list, create, edit, deactivate, reset password, roster import)."""
from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from mooc.core import navigation
from mooc.core.permissions import can_manage_users, require

bp = Blueprint("accounts_admin", __name__, url_prefix="/admin/users")
navigation.register(_l("用户管理"), "accounts_admin.users", can_manage_users, order=80)


@bp.route("/")
@require(can_manage_users)
def users():
    return render_template("accounts/admin_users.html")
