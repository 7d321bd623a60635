"""Background work for quizzes: every minute, submit attempts whose time is over.

Attempts are also submitted lazily by the next write to them; the sweep makes sure a
learner who closed the tab still gets a score (and the lesson completion) on time.
"""
from flask import has_app_context
from huey import crontab

from mooc.core import jobs
from mooc.extensions import db
from mooc.quizzes import attempts


def sweep():
    """Submit expired attempts (in the caller's app context); returns their ids."""
    try:
        done = attempts.sweep_expired()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return done


@jobs.huey.periodic_task(crontab(minute="*"), name="quizzes.sweep_expired_attempts")
def sweep_expired_attempts():
    if has_app_context():
        return sweep()
    with jobs.worker_app().app_context():
        return sweep()
