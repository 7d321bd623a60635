"""Branch and committee dashboards: completion of required courses, study hours, members.

Branch leads see their own subtree only (dashboard.scope.scope_for); admins see everything.
A member outside the viewer's subtree answers 404, as if they did not exist.
"""
import io

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user

from mooc.accounts.models import CATEGORIES
from mooc.assignments import audience
from mooc.core import jobs
from mooc.core.models import BackgroundJob
from mooc.core.permissions import can_view_dashboard, require
from mooc.core.services import audit
from mooc.core.pagination import page_arg
from mooc.core.textclean import safe_filename
from mooc.dashboard import charts, exports
from mooc.dashboard.members import clean_filters, member_page, member_record, required_courses
from mooc.dashboard.overview import overview, percent_text
from mooc.dashboard.scope import NoScope, parse_id, scope_for
from mooc.dashboard.studied import studied_courses
from mooc.dashboard.forms import (STATUS_LABELS, ExportForm, MemberFilterForm,
                                  OverviewFilterForm, course_options, unit_options)
from mooc.extensions import db
from mooc.org import services as org_services

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


def _units_in_reach(scope, units=None):
    """Units the viewer may pick in a filter (their whole subtree, not just the view)."""
    if units is not None and scope.root is scope.base:
        return units
    return org_services.flat_tree(scope.base)


def _overview_charts(data):
    rows = [(u.name, data.rate(u), percent_text(data.rate(u))) for u in data.children]
    what = data.course.title if data.course else _("全部必修课程")
    by_unit = charts.hbar_chart(
        "chart-units", rows, title=_("各组织完成率"), empty=_("暂无数据"),
        desc=_("%(what)s在%(name)s下各组织的完成率", what=what, name=data.scope.name))
    hours = charts.column_chart(
        "chart-hours", data.histogram, title=_("本年学时分布"), unit=_("学时"),
        desc=_("%(year)s年成员学时的人数分布", year=data.year))
    weekly = charts.line_chart(
        "chart-weekly",
        [(f"{start.month}/{start.day}", fraction,
          _("%(d)s 当周结束时：累计完成 %(n)s 人次（%(p)s）", d=start.isoformat(), n=done,
            p=percent_text(fraction)))
         for start, done, fraction in data.weekly],
        title=_("必修课程完成进度（按周）"),
        desc=_("最近 %(n)s 周每周结束时必修课程的累计完成比例", n=len(data.weekly)))
    return {"by_unit": by_unit, "hours": hours, "weekly": weekly}


@bp.route("/")
@require(can_view_dashboard)
def index():
    try:
        data = overview(current_user, parse_id(request.args.get("unit")),
                                 parse_id(request.args.get("course")))
    except NoScope:
        abort(403)
    form = OverviewFilterForm(request.args)
    units = _units_in_reach(data.scope, [u.org for u in data.units])
    base_depth = data.scope.base.depth if data.scope.base else 0
    form.unit.choices = unit_options(units, base_depth, data.scope.base.name
                                     if data.scope.base else _("全部组织"))
    form.course.choices = course_options(data.courses, _("全部必修课程"))
    form.unit.data = str(data.scope.root.id) if data.scope.root is not data.scope.base else ""
    form.course.data = str(data.course.id) if data.course else ""
    return render_template("dashboard/index.html", data=data, form=form,
                           charts=_overview_charts(data), percent=percent_text)


@bp.route("/studied")
@require(can_view_dashboard)
def studied():
    """Every course studied in the scope, electives included (its own page: the grouped
    count over all enrolments and completions would double the overview's cost)."""
    try:
        scope = scope_for(current_user, parse_id(request.args.get("unit")))
    except NoScope:
        abort(403)
    year = audience.today().year
    return render_template("dashboard/studied.html", scope=scope, year=year,
                           studied=studied_courses(scope.path, year),
                           required_ids={c.id for c in required_courses(current_user)})


def _member_filters():
    courses = required_courses(current_user)
    return courses, clean_filters(current_user, request.args, {c.id for c in courses})


@bp.route("/members")
@require(can_view_dashboard)
def members():
    try:
        courses, filters = _member_filters()
        data = member_page(current_user, filters,
                                    page=page_arg())
    except NoScope:
        abort(403)
    form = MemberFilterForm(request.args)
    base = data.scope.base
    form.unit.choices = unit_options(_units_in_reach(data.scope), base.depth if base else 0,
                                     _("全部组织"))
    form.course.choices = course_options(courses, _("全部必修课程"))
    args = filters.query_args()
    for name in ("unit", "category", "course", "status", "dir"):
        getattr(form, name).data = str(args.get(name, ""))
    form.sort.data = filters.sort
    return render_template("dashboard/members.html", data=data, form=form, args=args,
                           status_labels=STATUS_LABELS, courses={c.id: c for c in courses},
                           category_label=lambda key: CATEGORIES.get(key, key))


@bp.route("/members/<int:user_id>")
@require(can_view_dashboard)
def member(user_id):
    record = member_record(current_user, user_id)
    if record is None:
        abort(404)
    return render_template("dashboard/member.html", record=record)


@bp.route("/export", methods=["POST"])
@require(can_view_dashboard)
def export():
    form = ExportForm()
    if not form.validate_on_submit():
        abort(400)
    view = form.view.data if form.view.data in exports.VIEWS else "members"
    fmt = form.fmt.data if form.fmt.data in exports.FORMATS else "xlsx"
    params = {name: getattr(form, name).data or ""
              for name in ("unit", "category", "course", "status", "sort", "dir")}
    try:
        count = exports.row_count(current_user, view, params)
    except NoScope:
        abort(403)
    audit("dashboard.export", summary=f"导出{'成员学习情况' if view == 'members' else '组织完成情况'}"
          f"（{fmt}）", view=view, format=fmt, rows=count,
          filters={k: v for k, v in params.items() if v})
    if count > current_app.config.get("DASHBOARD_EXPORT_SYNC_LIMIT", 2000):
        db.session.commit()
        job = jobs.start_job(exports.JOB_KIND, exports.export_task, current_user.id, view, fmt,
                             params, owner=current_user, message=_("排队中…"))
        flash(_("共 %(n)s 行，文件正在后台生成，完成后可在本页下载。", n=count), "info")
        return redirect(url_for("core.job_status", job_id=job.id))
    header, rows, title = exports.table_for(current_user, view, params)
    buffer = io.BytesIO()
    exports.write(fmt, header, rows, buffer, title=title)
    db.session.commit()
    buffer.seek(0)
    return send_file(buffer, mimetype=exports.FORMATS[fmt], as_attachment=True,
                     download_name=safe_filename(exports.filename(view, fmt, title)))


@bp.route("/exports/<int:job_id>")
@require(can_view_dashboard)
def export_download(job_id):
    """A finished background export: its owner only, everyone else 404."""
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.owner_id != current_user.id or job.status != BackgroundJob.DONE:
        abort(404)
    path = exports.stored_file(job)
    if path is None:
        abort(404)
    fmt = path.suffix.lstrip(".")
    return send_file(path, mimetype=exports.FORMATS.get(fmt, "application/octet-stream"),
                     as_attachment=True,
                     download_name=safe_filename(job.result.get("filename") or path.name))
