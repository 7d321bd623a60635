"""Periodic clean-up for dashboard exports (files hold personal data: keep them briefly)."""
from flask import has_app_context
from huey import crontab

from mooc.core import jobs
from mooc.dashboard.exports import purge_old_exports


@jobs.huey.periodic_task(crontab(minute="30", hour="*/6"), name="dashboard.purge_exports")
def purge_exports():
    if has_app_context():
        return purge_old_exports()
    with jobs.worker_app().app_context():
        return purge_old_exports()
