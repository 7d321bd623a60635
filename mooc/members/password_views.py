"""忘记密码 (self-service): ask for a link; set a new password from the link."""
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from mooc.accounts.services import AccountError
from mooc.core.views_support import commit_or_flash
from mooc.extensions import limiter
from mooc.members import recovery
from mooc.members.forms import ForgotPasswordForm, ResetPasswordForm

bp = Blueprint("password", __name__)


def _limit():
    return current_app.config.get("FORGOT_PASSWORD_LIMIT", "5 per 15 minutes")


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def forgot():
    form = ForgotPasswordForm()
    mail = recovery.mail_configured()
    if mail and form.validate_on_submit():
        recovery.request_reset(form.username.data, lambda token: url_for(
            "password.reset", token=token, _external=True))
        # The same answer whether or not the account exists or has an address.
        return render_template("members/forgot_sent.html")
    return render_template("members/forgot.html", form=form, mail=mail)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def reset(token):
    if recovery.user_for_token(token) is None:
        return render_template("members/reset.html", form=None), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with commit_or_flash(AccountError) as outcome:
            recovery.finish_reset(token, form.password.data, form.confirm.data)
        if outcome.ok:
            flash(_("密码已重设，请用新密码登录。"), "success")
            return redirect(url_for("accounts.login"))
    return render_template("members/reset.html", form=form)
