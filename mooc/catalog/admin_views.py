"""Admin view of courses nobody maintains ("zombie" courses)."""
from flask import Blueprint, current_app, render_template

from mooc.catalog import services
from mooc.catalog.permissions import can_view_stale_courses
from mooc.core.permissions import require

bp = Blueprint("catalog_admin", __name__, url_prefix="/admin/courses")


@bp.route("/stale")
@require(can_view_stale_courses)
def stale():
    months = current_app.config["STALE_COURSE_MONTHS"]
    courses, cutoff = services.stale_courses(months)
    return render_template("catalog/stale.html", courses=courses, cutoff=cutoff, months=months)
