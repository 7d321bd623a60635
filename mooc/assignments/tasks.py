"""Background work for required courses: the daily reminder run and e-mailing.

huey's crontab is in UTC: 01:00 UTC is 09:00 in China, a polite hour for e-mail.
The run is idempotent (see notifications.py), so a missed or repeated run is harmless.
"""
from flask import has_app_context
from huey import crontab

from mooc.assignments import notifications
from mooc.core import jobs
from mooc.extensions import db


def run_reminders(on=None):
    """Write today's reminders and queue their e-mails (in the caller's app context)."""
    try:
        counts = notifications.generate_due_reminders(on=on)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    notifications.queue_emails()
    return counts


@jobs.huey.periodic_task(crontab(minute="0", hour="1"), name="assignments.daily_reminders")
def daily_reminders():
    if has_app_context():
        return run_reminders()
    with jobs.worker_app().app_context():
        return run_reminders()


@jobs.task()
def send_emails_task():
    """Unsent notifications stay marked unsent on failure; the next run picks them up."""
    try:
        return notifications.send_pending_emails()
    except Exception:
        db.session.rollback()
        raise
