"""Large exports run as a background job; the file is served only to the job's owner."""
import io
import os
import time

from openpyxl import load_workbook
from sqlalchemy import select

from mooc.core.models import AuditEvent, BackgroundJob
from mooc.dashboard import exports
from mooc.extensions import db
from tests.conftest import login
from tests.dashboard import data as gen
from tests.dashboard.html import export, read_csv


def test_large_export_becomes_a_job_for_its_owner_only(app, client, make_user):
    data = gen.build_committee()
    gen.assign(data)
    ids = gen.bulk_members(data, 40, seed=3)
    gen.bulk_study(data, ids, seed=4)
    app.config["DASHBOARD_EXPORT_SYNC_LIMIT"] = 5
    login(client, data.lead1.username)
    response = export(client, view="members", fmt="xlsx")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job = db.session.scalar(select(BackgroundJob).order_by(BackgroundJob.id.desc()))
    assert job.status == "done" and job.owner_id == data.lead1.id
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f"/dashboard/exports/{job.id}" in page  # the job page's download link
    download = client.get(f"/dashboard/exports/{job.id}")
    assert download.status_code == 200
    rows = list(load_workbook(io.BytesIO(download.data)).active.iter_rows(values_only=True))
    sync_limit_free = client.application.test_client()
    # The same view answered at once (limit raised) has the same rows.
    app.config["DASHBOARD_EXPORT_SYNC_LIMIT"] = 10 ** 6
    login(sync_limit_free, data.lead1.username)
    direct = list(load_workbook(io.BytesIO(export(sync_limit_free, "members", "xlsx").data))
                  .active.iter_rows(values_only=True))
    assert rows == direct and len(rows) > 6
    # Nobody else may download it: not another lead, not even an admin.
    for other in (data.lead2, make_user(role="admin")):
        stranger = client.application.test_client()
        login(stranger, other.username)
        assert stranger.get(f"/dashboard/exports/{job.id}").status_code == 404
        assert stranger.get(f"/jobs/{job.id}").status_code in (200, 404)
    anonymous = client.application.test_client()
    assert anonymous.get(f"/dashboard/exports/{job.id}").status_code == 302  # to the login page
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "dashboard.export"))


def test_purge_removes_old_files(app):
    folder = exports.export_dir()
    old, new = folder / "1-old.csv", folder / "2-new.csv"
    old.write_text("x")
    new.write_text("y")
    past = time.time() - 3 * 24 * 3600
    os.utime(old, (past, past))
    assert exports.purge_old_exports(max_age_hours=24) == 1
    assert not old.exists() and new.exists()


def test_csv_cells_never_run_as_formulas(app, client, make_user):
    data = gen.build_committee()
    evil = make_user(org=data.b11, name="=HYPERLINK(\"http://x\")")
    login(client, data.lead1.username)
    rows = read_csv(export(client, "members", "csv").data)
    names = [row[0] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://x\")" in names
    assert evil.name not in names


def test_stored_file_refuses_odd_names(app):
    job = BackgroundJob(kind=exports.JOB_KIND, result={"file": "../secret"})
    assert exports.stored_file(job) is None
    job.result = {"file": "x/y.csv"}
    assert exports.stored_file(job) is None
    job.kind, job.result = "other", {"file": "ok.csv"}
    assert exports.stored_file(job) is None
