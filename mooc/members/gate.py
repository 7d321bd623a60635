"""A member with a one-time password (reset by a lead, or a new account) must set their
own before using the site: every page sends them to 修改密码 until they do."""
from flask import redirect, request, url_for
from flask_login import current_user

# Pages that must stay reachable, and JSON/media endpoints the gate has no business in.
OPEN_ENDPOINTS = {"accounts.change_password", "accounts.logout", "accounts.login",
                  "core.preferences", "core.healthz", "core.healthz_live"}


def must_change_first():
    endpoint = request.endpoint or ""
    if (request.method != "GET" or endpoint in OPEN_ENDPOINTS or endpoint == "static"
            or (request.blueprint or "").endswith("_api") or endpoint.startswith(
                ("video.media", "password."))):
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("accounts.change_password"))
    return None
