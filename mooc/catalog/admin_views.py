"""Admin view of courses nobody maintains ("zombie" courses)."""
from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l

from mooc.catalog import services
from mooc.catalog.permissions import can_view_stale_courses
from mooc.core import navigation
from mooc.core.permissions import require

bp = Blueprint("catalog_admin", __name__, url_prefix="/admin/courses")
navigation.register(_l("陈旧课程"), "catalog_admin.stale", can_view_stale_courses, order=88)


@bp.route("/stale")
@require(can_view_stale_courses)
def stale():
    months = current_app.config["STALE_COURSE_MONTHS"]
    courses, cutoff = services.stale_courses(months)
    return render_template("catalog/stale.html", courses=courses, cutoff=cutoff, months=months)
