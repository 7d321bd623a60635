"""What the features contribute to one app, gathered by their ``register(app)``.

`create_app` calls every feature's ``register(app)`` from one ordered list
(``mooc.FEATURES``); each feature names there everything it adds. Importing a module
never registers anything: the contributions live on the app
(``app.extensions["mooc"]``), so two apps in one process (tests, the worker) never
share menus, checks or sources, and a process that forgot a feature fails loudly
instead of silently running without it (see `storage.collect_garbage`).

The slots are plain lists and dicts; the modules that own an extension point
(`navigation`, `health`, `storage`, search hooks, …) offer the functions that fill
them, so a feature's ``register`` reads as a list of what it contributes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask import Flask, current_app

EXTENSION_KEY = "mooc"


@dataclass
class Contributions:
    features: list[str] = field(default_factory=list)
    # core.navigation.NavItem, sorted by order
    nav_items: list = field(default_factory=list)
    # name → () -> {"ok": bool, ...}, for /healthz
    health_checks: dict[str, Callable[[], dict]] = field(default_factory=dict)
    # owner → (key) -> bool: does any row still use this stored file?
    reference_checks: dict[str, Callable[[str], bool]] = field(default_factory=dict)
    # user → [(course, due_on, overdue)], listed on 我的学习
    due_sources: list[Callable] = field(default_factory=list)
    # key prefix → (documents_for(id), all_ids()): what the search index holds
    search_providers: dict[str, tuple] = field(default_factory=dict)
    # model class → (obj, session) -> [search document keys] it affects
    search_keys: dict[type, Callable] = field(default_factory=dict)
    # (user, course, completion) -> None, called once when a course completion is created
    completion_listeners: list[Callable] = field(default_factory=list)
    # (user_id, course_id) -> bool: must this completion be kept (a certificate holds it)?
    completion_holds: list[Callable] = field(default_factory=list)
    # user -> [certificates…] shown on 我的学习
    certificate_lists: list[Callable] = field(default_factory=list)
    # () -> [summary lines], run by `flask --app mooc demo load` after the demo accounts
    demo_steps: list[Callable] = field(default_factory=list)
    # names of modules whose huey tasks the worker runs, and their tasks by name
    # (see jobs.register_tasks / jobs.enqueue)
    task_modules: list[str] = field(default_factory=list)
    tasks: dict[str, Callable] = field(default_factory=dict)
    # core.home.Panel, sorted by order: what /home shows
    home_panels: list = field(default_factory=list)
    # app → None, run once when `flask --app mooc worker` starts (the indexer thread…)
    worker_startup: list[Callable] = field(default_factory=list)
    # (since) -> iterable of core.pointevents.PointEvent: the verified events study
    # points are awarded for (see core/pointevents.py)
    point_sources: list[Callable] = field(default_factory=list)
    # core.fastpath.FastRoute: hot JSON POSTs answered beside Flask's request machinery
    fast_routes: list = field(default_factory=list)
    # (session dict, environ) -> user or None, for those routes (the accounts feature)
    fast_session_user: Callable | None = None


def contributions(app: Flask | None = None) -> Contributions:
    app = app if app is not None else current_app
    try:
        return app.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError("app was not built by mooc.create_app: no feature registry") from None


def init_app(app: Flask) -> Contributions:
    return app.extensions.setdefault(EXTENSION_KEY, Contributions())


def mark_registered(app: Flask, name: str) -> None:
    registered = contributions(app).features
    if name in registered:
        raise RuntimeError(f"feature {name!r} registered twice")
    registered.append(name)
