"""Signing in and out, and changing one's own password."""
import secrets

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from mooc.accounts import first_password, services
from mooc.accounts.forms import ChangePasswordForm, LoginForm
from mooc.core.database import read_only
from mooc.core.services import audit
from mooc.core.urls import safe_next
from mooc.extensions import db, limiter

bp = Blueprint("accounts", __name__)


def _login_failed(response):
    # Only failed attempts count toward the throttle; a successful login redirects.
    return response.status_code != 302


def _account_key():
    return "login-account:" + (request.form.get("username") or "").strip().lower()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"],
               deduct_when=_login_failed)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_account_key, deduct_when=_login_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm()
    if form.validate_on_submit():
        # The password check (scrypt, ~50 ms) must not hold SQLite's write lock: read
        # in a read-only transaction, end it, and write only once the check passed.
        with read_only():
            user = services.authenticate(form.username.data, form.password.data)
            db.session.commit()
        if user is not None:
            keep = {k: session[k] for k in ("locale", "large_text") if k in session}
            session.clear()  # a new session on login: nothing from before survives
            session.update(keep)
            session["sid"] = secrets.token_urlsafe(16)
            services.start_login(user)  # before login_user: get_id() carries its key
            login_user(user, remember=form.remember.data)
            services.record_login(user)
            audit("auth.login", user, f"{user.username} 登录", actor=user)
            db.session.commit()
            first_password.remember(user)
            if user.must_change_password:
                flash(_("请先修改初始密码。"), "info")
                return redirect(url_for("accounts.change_password"))
            return redirect(safe_next(request.args.get("next")))
        audit("auth.login_failed", services.find_by_username(form.username.data),
              f"登录失败：{(form.username.data or '')[:64]}")
        db.session.commit()
        flash(_("账号或密码不正确。"), "error")
        return render_template("accounts/login.html", form=form), 200
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        services.end_login(current_user)  # a copied session or remember cookie dies too
        db.session.commit()
    # Clear first: logout_user() then leaves its instruction to delete the remember cookie.
    session.clear()
    logout_user()
    flash(_("您已安全退出。"), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(current_user, form.old_password.data,
                                         form.new_password.data)
        except services.AccountError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            # The token rotated; sign this device in again with the new one.
            login_user(current_user._get_current_object())
            first_password.changed()
            flash(_("密码已修改，其他设备上的登录已失效。"), "success")
            return redirect(url_for("core.index"))
    return render_template("accounts/change_password.html", form=form)
