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

from flask import has_app_context
from huey import RedisHuey, SqliteHuey
from huey.api import TaskWrapper

from config import Config
from mooc.core.models import BackgroundJob
from mooc.core.registry import contributions
from mooc.extensions import db


def _make_huey():
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return RedisHuey("mooc", url=redis_url)
    path = Path(os.environ.get("HUEY_SQLITE_PATH", Config.HUEY_SQLITE_PATH))
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("mooc", filename=str(path))


huey = _make_huey()
_worker_app = None


def worker_app():
    """The app a worker process runs tasks in: the one `flask --app mooc worker` built
    (or, failing that, the first app this process configured)."""
    if _worker_app is None:
        raise RuntimeError("no app to run background tasks in: start them with "
                           "`flask --app mooc worker`")
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


def start_job(kind, task, *args, owner=None, message=""):
    """Record a job row, commit it, then enqueue `task(job_id, *args)` (a task or its
    registered name)."""
    job = BackgroundJob(kind=kind, owner_id=getattr(owner, "id", None), message=message)
    db.session.add(job)
    db.session.commit()
    if isinstance(task, str):
        task = contributions().tasks[task]
    task(job.id, *args)
    return job



def update_job(job_id, *, status=None, progress=None, message=None, result=None):
    """Write job progress in its own short transaction, visible to the watcher at once."""
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
    global _worker_app
    huey.immediate = bool(app.config.get("HUEY_IMMEDIATE"))
    if _worker_app is None:
        _worker_app = app


def register_tasks(app, module):
    """Name a feature's task module. huey knows a task once its module is imported
    (the feature's register imports it); the app lists them by name, so services can
    `enqueue` a task without importing the tasks module that imports them back."""
    registered = contributions(app)
    registered.task_modules.append(module.__name__)
    for value in vars(module).values():
        if isinstance(value, TaskWrapper) and value.func.__module__ == module.__name__:
            name = value.name or value.func.__name__
            if name in registered.tasks:
                raise RuntimeError(f"two background tasks named {name!r}")
            registered.tasks[name] = value


def enqueue(name, *args, **kwargs):
    """Queue the task registered under `name` (see register_tasks)."""
    return contributions().tasks[name](*args, **kwargs)
