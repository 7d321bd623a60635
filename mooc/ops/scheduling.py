"""Each periodic job runs once per due minute, however many workers run the scheduler.

huey's consumer enqueues every due periodic task once a minute in every worker process
started with the scheduler on; with two worker hosts the daily reminders would go out
twice. The worker's start-up hook wraps `huey.read_periodic`: before enqueuing the
tasks due in a minute, a worker claims that minute with an atomic `put_if_empty` in
huey's storage (HSETNX on Redis, shared by every host); whoever loses the claim
enqueues nothing. Only the last few claims are kept, so the storage holds a handful
of keys. Hosts' clocks must agree to the minute (NTP).
"""
from __future__ import annotations

import datetime as dt
import os
import socket

import click

from mooc.core import jobs

PREFIX = "mooc.ops.periodic-minute:"
RECENT = "mooc.ops.periodic-recent"
KEEP = 5   # claims kept: the other workers tick for the same minute within 60 s


def _minute_key(when: dt.datetime) -> str:
    return PREFIX + when.strftime("%Y%m%d%H%M")


def claim(when: dt.datetime, huey=None) -> bool:
    huey = huey or jobs.huey
    owner = f"{socket.gethostname()}:{os.getpid()}"
    if not huey.put_if_empty(_minute_key(when), owner):
        return False
    # Remember the recent claims and forget older ones (a non-peek get deletes), so the
    # storage keeps a handful of keys even across gaps when nothing was due.
    recent = (huey.get(RECENT, peek=True) or []) + [_minute_key(when)]
    for old in recent[:-KEEP]:
        huey.get(old)
    huey.put(RECENT, recent[-KEEP:])
    return True


def install(app=None, huey=None) -> None:
    """worker_startup hook; idempotent."""
    huey = huey or jobs.huey
    if getattr(huey.read_periodic, "mooc_claimed", False):
        return
    original = huey.read_periodic

    def read_periodic(timestamp):
        when = timestamp or huey._get_timestamp()
        tasks = original(when)
        if not tasks or not claim(when, huey):
            return []
        for task in tasks:
            # One line per scheduled job in the worker's log (journalctl -u mooc-worker).
            click.echo(f"定时任务已调度：{task.name} @ {when:%Y-%m-%d %H:%M}", err=True)
        return tasks

    read_periodic.mooc_claimed = True
    huey.read_periodic = read_periodic
