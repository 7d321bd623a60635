"""The first-login password change, enforced on every route (issue 15).

An account created with a password someone else knows (roster import, an admin, a
reset) is flagged `must_change_password`. Until it is changed, every route except the
password change, sign-out, sign-in, the language switch and static files refuses:
pages redirect to the change form, JSON APIs answer 403 with a Chinese message.

The flag is copied into the session at sign-in (and when a remember cookie signs the
device in), so the check costs no query: the flag can only be set again together with
a new password, which rotates the account's token and ends every session anyway.
"""
from flask import redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mooc.core.errors import error_response, wants_json

SESSION_FLAG = "must_change_password"
ALLOWED_ENDPOINTS = {"accounts.change_password", "accounts.logout", "accounts.login",
                     "core.preferences", "static"}


def remember(user):
    """At sign-in: carry the account's flag in the session."""
    if user.must_change_password:
        session[SESSION_FLAG] = True
    else:
        session.pop(SESSION_FLAG, None)


def changed():
    session.pop(SESSION_FLAG, None)


def on_cookie_login(_app, user=None, **_extra):
    """Flask-Login's user_loaded_from_cookie signal: a new session for an old sign-in."""
    remember(user)


def enforce():
    """before_request: refuse everything but the allowed endpoints while flagged."""
    if request.endpoint in ALLOWED_ENDPOINTS or request.endpoint is None:
        return None
    if "_user_id" not in session and request.cookies.get("remember_token"):
        current_user.is_authenticated  # noqa: B018  (restores the sign-in, sets the flag)
    if not session.get(SESSION_FLAG):
        return None
    message = _("请先修改初始密码，然后才能继续使用。")
    if wants_json() or request.method != "GET":
        return error_response(403, message, reason="must_change_password")
    return redirect(url_for("accounts.change_password"))
