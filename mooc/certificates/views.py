"""Certificate pages: public verification, the learner's download, the admin list.

Verification needs no login and is rate-limited per IP (CERT_VERIFY_LIMIT): serials
are unguessable, and the limit keeps anyone from trying. It shows only what the
certificate itself shows. A learner reaches only their own certificates; anyone
else's answers 404, so their existence is not revealed.
"""
from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from mooc.certificates import services
from mooc.certificates.models import REVOKED, VALID, Certificate
from mooc.core import storage
from mooc.core.forms import Form, options
from mooc.certificates.permissions import (can_download_certificate, can_manage_certificates,
                                           can_use_revoked_certificate)
from mooc.core.permissions import require
from mooc.core.views_support import commit_or_flash
from mooc.core.pagination import paginate
from mooc.extensions import db, limiter
from mooc.core.textclean import safe_filename

bp = Blueprint("certificates", __name__)

MAX_SERIAL_INPUT = 120
PER_PAGE = 30




# --------------------------------------------------------------------------
# Forms (small enough to live with their views)
# --------------------------------------------------------------------------

class VerifyForm(Form):
    """Read from the query string: no CSRF token (looking up changes nothing)."""

    class Meta:
        csrf = False

    serial = StringField(_l("证书编号"), validators=[Optional(), Length(max=MAX_SERIAL_INPUT)])


class ActionForm(Form):
    """A button that only needs its CSRF token."""


class RevokeForm(Form):
    reason = TextAreaField(_l("作废原因"), validators=[
        DataRequired(_l("请填写作废原因。")), Length(max=500)])


class ReissueForm(Form):
    reason = StringField(_l("换发原因（可选）"), validators=[Optional(), Length(max=500)])


class AdminFilterForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("姓名、账号、课程或证书编号"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("状态"), choices=options(
        [("", _l("全部状态")), (VALID, _l("有效")), (REVOKED, _l("已作废"))]))

    def filters(self):
        self.validate()
        return {name: f.data for name, f in self._fields.items() if f.data and not f.errors}


def _certificate_or_404(cert_id):
    return db.get_or_404(Certificate, cert_id)


# --------------------------------------------------------------------------
# Public verification
# --------------------------------------------------------------------------

verify_limit = limiter.shared_limit(lambda: current_app.config["CERT_VERIFY_LIMIT"],
                                    scope="certificate-verify")


@bp.route("/verify")
@limiter.shared_limit(lambda: current_app.config["CERT_VERIFY_LIMIT"],
                      scope="certificate-verify", exempt_when=lambda: "serial" not in request.args)
def verify_form():
    """The look-up form; a submitted serial goes to its own page (a shareable URL)."""
    form = VerifyForm(request.args)
    text = (request.args.get("serial") or "").strip()
    if not text:
        return render_template("certificates/verify.html", form=form, verdict=None)
    verdict = services.verify(text) if form.validate() else services.Verdict(services.NOT_FOUND)
    if verdict.found:
        return redirect(url_for("certificates.verify", serial=verdict.serial))
    return render_template("certificates/verify.html", form=form, verdict=verdict), 404


@bp.route("/verify/<serial>")
@verify_limit
def verify(serial):
    text = serial[:MAX_SERIAL_INPUT]
    verdict = services.verify(text) if len(serial) <= MAX_SERIAL_INPUT \
        else services.Verdict(services.NOT_FOUND)
    form = VerifyForm(data={"serial": verdict.serial or text})
    status = 200 if verdict.found else 404
    return render_template("certificates/verify.html", form=form, verdict=verdict), status


# --------------------------------------------------------------------------
# The learner's download
# --------------------------------------------------------------------------

def _downloadable(cert_id):
    certificate = _certificate_or_404(cert_id)
    if not can_download_certificate(current_user, certificate):
        abort(404)  # someone else's certificate does not exist, as far as you know
    return certificate


def download_name(certificate):
    return safe_filename(f"结业证书-{certificate.course_title}-{certificate.learner_name}.pdf")


@bp.route("/me/certificates/<int:cert_id>/pdf")
@login_required
def download(cert_id):
    certificate = _downloadable(cert_id)
    if not certificate.is_valid and not can_use_revoked_certificate(current_user):
        return render_template("certificates/status.html", certificate=certificate,
                               form=ActionForm()), 410
    if services.pdf_ready(certificate):
        return storage.send(certificate.pdf_key, download_name=download_name(certificate),
                            as_attachment=True, mimetype="application/pdf")
    return render_template("certificates/status.html", certificate=certificate,
                           job=certificate.render_job,
                           running=services.render_in_progress(certificate),
                           form=ActionForm())


@bp.route("/me/certificates/<int:cert_id>/render", methods=["POST"])
@login_required
def render(cert_id):
    """"重新生成" after a failed (or lost) job; starts a job only if none is running."""
    certificate = _downloadable(cert_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not certificate.is_valid and not can_use_revoked_certificate(current_user):
        flash(_("该证书已作废，不能生成。"), "error")
    elif services.pdf_ready(certificate):
        pass
    elif services.render_in_progress(certificate):
        flash(_("证书正在生成，请稍候。"), "info")
    else:
        services.start_render(certificate, current_user)
        flash(_("已开始生成证书。"), "success")
    return redirect(url_for("certificates.download", cert_id=certificate.id))


# --------------------------------------------------------------------------
# Admin: list, revoke, reissue
# --------------------------------------------------------------------------

@bp.route("/admin/certificates")
@require(can_manage_certificates)
def admin_list():
    form = AdminFilterForm(request.args)
    filters = form.filters()
    page = paginate(services.admin_query(q=filters.get("q"), status=filters.get("status")),
                    per_page=PER_PAGE)
    return render_template("certificates/admin_list.html", form=form, filters=filters,
                           page=page)


@bp.route("/admin/certificates/<int:cert_id>")
@require(can_manage_certificates)
def admin_detail(cert_id):
    certificate = _certificate_or_404(cert_id)
    previous = list(db.session.scalars(db.select(Certificate).where(
        Certificate.replaced_by_id == certificate.id)))
    return render_template("certificates/admin_detail.html", certificate=certificate,
                           previous=previous, revoke_form=RevokeForm(),
                           reissue_form=ReissueForm(), action_form=ActionForm(),
                           pdf_ready=services.pdf_ready(certificate))


@bp.route("/admin/certificates/<int:cert_id>/revoke", methods=["POST"])
@require(can_manage_certificates)
def revoke(cert_id):
    certificate = _certificate_or_404(cert_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("certificates.admin_detail", cert_id=certificate.id))
    with commit_or_flash(services.CertificateError) as outcome:
        services.revoke(certificate, current_user, form.reason.data)
    if outcome.ok:
        flash(_("证书已作废。"), "success")
    return redirect(url_for("certificates.admin_detail", cert_id=certificate.id))


@bp.route("/admin/certificates/<int:cert_id>/reissue", methods=["POST"])
@require(can_manage_certificates)
def reissue(cert_id):
    certificate = _certificate_or_404(cert_id)
    form = ReissueForm()
    if not form.validate_on_submit():
        flash(_("表单已过期，请重试。"), "error")
        return redirect(url_for("certificates.admin_detail", cert_id=certificate.id))
    with commit_or_flash(services.CertificateError) as outcome:
        replacement = services.reissue(certificate, current_user, form.reason.data)
    if not outcome.ok:
        return redirect(url_for("certificates.admin_detail", cert_id=certificate.id))
    flash(_("已换发新证书，原证书已作废。"), "success")
    return redirect(url_for("certificates.admin_detail", cert_id=replacement.id))
