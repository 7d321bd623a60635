from flask import (Blueprint, abort, current_app, jsonify, redirect, render_template, request,
                   session, url_for)
from flask_login import current_user, login_required

from mooc.core import health, services
from mooc.core import home as home_page
from mooc.core.models import BackgroundJob
from mooc.core.urls import safe_next
from mooc.core.permissions import can_view_audit_log, can_view_job, require
from mooc.core.pagination import page_arg
from mooc.extensions import db, limiter

bp = Blueprint("core", __name__)



def home_endpoint(user):
    """Each role lands on its own home page after login; learners on "我的学习"."""
    return {"admin": "accounts_admin.users", "branch_lead": "dashboard.index",
            "instructor": "core.home"}.get(user.role, "progress.my_learning")


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    return redirect(url_for(home_endpoint(current_user)))


@bp.route("/home")
@login_required
def home():
    return render_template("core/home.html", panels=home_page.panels_for(current_user))


@bp.route("/healthz")
@limiter.exempt
def healthz():
    healthy, results = health.report()
    return jsonify({"status": "ok" if healthy else "error", **results}), 200 if healthy else 503


@bp.route("/healthz/live")
@limiter.exempt
def healthz_live():
    """Liveness only: touches no database, queue or index. It is also the benchmark's
    bare yardstick (bench/results.md gives every figure as a ratio to it)."""
    return jsonify({"status": "ok"})


@bp.route("/preferences", methods=["POST"])
def preferences():
    locale = request.form.get("locale")
    if locale is not None and locale not in current_app.config["LANGUAGES"]:
        abort(400)
    large_text = request.form.get("large_text")
    services.set_preferences(current_user, session, locale=locale,
                             large_text=None if large_text is None else large_text == "1")
    db.session.commit()
    return redirect(safe_next(request.form.get("next") or request.referrer))


@bp.route("/admin/audit")
@require(can_view_audit_log)
def audit_log():
    return render_template("core/audit_log.html", events=services.audit_page(page=page_arg()))


@bp.route("/jobs/<int:job_id>")
@login_required
def job_status(job_id):
    job = db.session.get(BackgroundJob, job_id) or abort(404)
    if not can_view_job(current_user, job):
        abort(404)  # don't reveal other people's jobs exist
    data = {"id": job.id, "kind": job.kind, "status": job.status, "progress": job.progress,
            "message": job.message, "result": job.result}
    if request.accept_mimetypes.best == "application/json" or request.args.get("format") == "json":
        return jsonify(data)
    return render_template("core/job.html", job=job)
