"""The background job queue: huey, never home-made.

Storage is Redis when REDIS_URL is set (several hosts), otherwise huey's SQLite
storage next to the database (one host, no extra service). Tests switch huey to
immediate mode so a task runs inline.

`task` wraps huey's decorator so a task always runs inside an app context, and
`start_job` records a BackgroundJob row the user can watch.
"""
import functools
import os
from pathlib import Path

from flask import current_app, has_app_context
from huey import RedisHuey, SqliteHuey

from config import Config


def _make_huey():
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return RedisHuey("mooc", url=redis_url)
    path = Path(os.environ.get("HUEY_SQLITE_PATH", Config.HUEY_SQLITE_PATH))
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("mooc", filename=str(path))


huey = _make_huey()
TASKS_EXTENSION = "mooc.tasks"
_worker_app = None


def worker_app():
    """The app a worker process runs tasks in, created once per process."""
    global _worker_app
    if _worker_app is None:
        from mooc import create_app
        _worker_app = create_app()
    return _worker_app


def set_worker_app(app):
    global _worker_app
    _worker_app = app


def task(*task_args, **task_kwargs):
    def decorate(fn):
        @functools.wraps(fn)
        def in_app_context(*args, **kwargs):
            if has_app_context():
                return fn(*args, **kwargs)
            with worker_app().app_context():
                return fn(*args, **kwargs)
        return huey.task(*task_args, **task_kwargs)(in_app_context)
    return decorate


def queue_state():
    """For /healthz: can we reach the queue, and how much is waiting?"""
    try:
        return {"ok": True, "backend": type(huey).__name__, "immediate": huey.immediate,
                "pending": huey.pending_count()}
    except Exception as exc:  # any storage failure means the queue is down
        return {"ok": False, "backend": type(huey).__name__, "error": str(exc)[:200]}


def start_job(kind, task_fn, *args, owner=None, message=""):
    """Record a job row, commit it, then enqueue `task_fn(job_id, *args)`."""
    from mooc.core.models import BackgroundJob
    from mooc.extensions import db
    job = BackgroundJob(kind=kind, owner_id=getattr(owner, "id", None), message=message)
    db.session.add(job)
    db.session.commit()
    task_fn(job.id, *args)
    return job


def register_task(app, kind, task_fn):
    """Let services enqueue jobs of `kind` without importing the module defining the task.

    A feature's tasks module imports its services; its services call
    `start_registered_job(kind, …)`, so neither imports the other back.
    """
    app.extensions.setdefault(TASKS_EXTENSION, {})[kind] = task_fn


def start_registered_job(kind, *args, owner=None, message=""):
    """`start_job` with the task registered for `kind` in the current app."""
    task_fn = current_app.extensions.get(TASKS_EXTENSION, {}).get(kind)
    if task_fn is None:  # a wiring mistake, not a user error
        raise LookupError(f"no background task registered for job kind {kind!r}")
    return start_job(kind, task_fn, *args, owner=owner, message=message)


def update_job(job_id, *, status=None, progress=None, message=None, result=None):
    """Write job progress in its own short transaction, visible to the watcher at once."""
    from mooc.core.models import BackgroundJob
    from mooc.extensions import db
    job = db.session.get(BackgroundJob, job_id)
    if job is None:
        return None
    if status is not None:
        job.status = status
    if progress is not None:
        job.progress = max(0.0, min(1.0, float(progress)))
    if message is not None:
        job.message = message
    if result is not None:
        job.result = result
    db.session.commit()
    return job


def configure(app):
    huey.immediate = bool(app.config.get("HUEY_IMMEDIATE"))
