"""Exporting what a dashboard shows, as .xlsx or .csv (UTF-8 with BOM, so Excel reads
Chinese correctly).

Small exports are answered at once; more than DASHBOARD_EXPORT_SYNC_LIMIT rows go to
a background job that writes the file under the instance folder and links it from
the job page. The file is served only to the job's owner (see views.export_download)
and removed after DASHBOARD_EXPORT_TTL_HOURS by a periodic task.

Cells are written as values, never formulas: text starting with = + - @ is prefixed
with an apostrophe, so a member's name cannot run as a spreadsheet formula.
"""
import csv
import io
import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app

from mooc.accounts.models import User
from mooc.assignments.notifications import site_path
from mooc.core import jobs
from mooc.core.database import read_only
from mooc.core.permissions import can_view_dashboard
from mooc.core.tabular import escape_formula
from mooc.dashboard.members import (clean_filters, count_members, member_export_rows,
                                    required_courses)
from mooc.dashboard.overview import overview, overview_rows
from mooc.dashboard.scope import parse_id, scope_for
from mooc.extensions import db

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8"}
VIEWS = ("members", "units")
JOB_KIND = "dashboard.export"


def write_csv(header, rows, stream):
    """Write to a binary stream."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow([escape_formula(name) for name in header])
    for row in rows:
        writer.writerow([escape_formula(v) for v in row])
    text.flush()
    text.detach()


def write_xlsx(header, rows, stream, title="统计"):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    book = Workbook(write_only=True)
    sheet = book.create_sheet(re.sub(r"[\\/?*\[\]:]", "_", title)[:31] or "统计")
    bold = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=escape_formula(name))
        cell.font = Font(bold=True)
        bold.append(cell)
    sheet.append(bold)
    for row in rows:
        sheet.append([escape_formula(v) for v in row])
    book.save(stream)


def write(fmt, header, rows, stream, title="统计"):
    if fmt == "xlsx":
        write_xlsx(header, rows, stream, title)
    else:
        write_csv(header, rows, stream)


def filename(view, fmt, name):
    stamp = time.strftime("%Y%m%d")
    label = "成员学习情况" if view == "members" else "组织完成情况"
    return f"{name}-{label}-{stamp}.{fmt}"


def table_for(viewer, view, params, on=None):
    """(header, rows, title) for the view the user is looking at."""
    if view == "units":
        data = overview(viewer, unit_id=parse_id(params.get("unit")),
                                 course_id=parse_id(params.get("course")), on=on)
        header, rows = overview_rows(data)
        return header, rows, str(data.scope.name)
    courses = required_courses(viewer)
    filters = clean_filters(viewer, params, {c.id for c in courses})
    header, rows = member_export_rows(viewer, filters, on=on)
    return header, rows, str(scope_for(viewer).name)


def row_count(viewer, view, params):
    if view == "units":
        return 0  # a unit table is small: always answered at once
    courses = required_courses(viewer)
    filters = clean_filters(viewer, params, {c.id for c in courses})
    return count_members(viewer, filters)


# ---- Background exports --------------------------------------------------------------------

def export_dir():
    path = Path(current_app.instance_path) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def stored_file(job):
    """The finished file of an export job, or None (never a path outside export_dir)."""
    name = (job.result or {}).get("file") or ""
    if job.kind != JOB_KIND or not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = export_dir() / name
    return path if path.is_file() else None


@jobs.task()
def export_task(job_id, viewer_id, view, fmt, params):
    """Write the export for `viewer_id` (their scope is re-derived here, not trusted)."""
    jobs.update_job(job_id, status="running", progress=0.05, message="正在生成文件…")
    try:
        with read_only():
            viewer = db.session.get(User, viewer_id)
            if viewer is None or not can_view_dashboard(viewer):
                raise PermissionError("no longer allowed")
            header, rows, title = table_for(viewer, view, params)
            name = f"{job_id}-{secrets.token_hex(8)}.{fmt}"
            target = export_dir() / name
            with open(target.with_suffix(".part"), "wb") as stream:
                write(fmt, header, rows, stream, title=title)
            os.replace(target.with_suffix(".part"), target)
            db.session.rollback()
    except Exception as exc:
        db.session.rollback()
        jobs.update_job(job_id, status="failed", message="导出失败，请稍后重试。")
        current_app.logger.exception("dashboard export %s failed: %s", job_id, exc)
        return None
    jobs.update_job(job_id, status="done", progress=1.0, message="文件已生成。",
                    result={"file": name, "filename": filename(view, fmt, title),
                            "download": site_path("dashboard.export_download", job_id=job_id)})
    return name


def purge_old_exports(max_age_hours=None):
    """Delete export files older than the TTL; returns how many were removed."""
    hours = max_age_hours if max_age_hours is not None else \
        current_app.config.get("DASHBOARD_EXPORT_TTL_HOURS", 24)
    cutoff = time.time() - hours * 3600
    removed = 0
    for path in export_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
