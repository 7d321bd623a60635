"""Worker liveness: the worker writes a timestamp every few seconds; web pages,
/healthz and `doctor` read it.

Stored in huey's own key/value storage (`huey.put`), not in a table: it is where the
queue is, so it is shared by every node exactly when the queue is (Redis), and it
needs no migration. Without REDIS_URL it is the SQLite job-queue file in INSTANCE_DIR,
read by the web server and `doctor` on the same host. In tests huey runs in immediate
mode on an in-memory store, so nothing leaks between tests.

The beat comes from a thread started by the worker (a worker_startup hook), not a
periodic huey task: huey's scheduler ticks once a minute, too coarse to tell "seen in
the last minute" apart from "missed one tick".
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time

from mooc.core import jobs

log = logging.getLogger(__name__)
KEY = "mooc.ops.worker-heartbeat"
INTERVAL_SECONDS = 15
FRESH_SECONDS = 60          # doctor and /healthz: "seen in the last minute"
BANNER_SECONDS = 5 * 60     # admin pages warn after five minutes of silence


def beat(now: float | None = None) -> dict:
    record = {"at": time.time() if now is None else now,
              "host": socket.gethostname(), "pid": os.getpid()}
    # put() overwrites; huey pickles the value (same storage as the task results).
    jobs.huey.put(KEY, record)
    return record


def last_seen() -> dict | None:
    """The latest heartbeat record, or None when no worker ever beat (or storage fails)."""
    try:
        return jobs.huey.get(KEY, peek=True)
    except Exception:  # a broken queue storage is reported by the "jobs" health check
        log.warning("cannot read the worker heartbeat", exc_info=True)
        return None


def forget() -> None:
    """Drop the record (tests; a decommissioned worker host)."""
    jobs.huey.get(KEY)  # a non-peek get removes the key


def age_seconds(now: float | None = None) -> float | None:
    record = last_seen()
    if not record:
        return None
    return max(0.0, (time.time() if now is None else now) - float(record["at"]))


def state(now: float | None = None) -> dict:
    """For /healthz. Always ok=True: a missing worker must not take the web node out of
    the load balancer (pages still serve); the status field says what is wrong."""
    age = age_seconds(now)
    if age is None:
        status = "never_seen"
    else:
        status = "ok" if age <= FRESH_SECONDS else "stale"
    result = {"ok": True, "status": status, "immediate": jobs.huey.immediate}
    if age is not None:
        result["seen_seconds_ago"] = round(age, 1)
        result["host"] = (last_seen() or {}).get("host")
    return result


def needs_banner(now: float | None = None) -> bool:
    """Admins see a warning when no worker beat for five minutes. In immediate mode
    (tests) tasks run inline, so no worker is needed."""
    if jobs.huey.immediate:
        return False
    age = age_seconds(now)
    return age is None or age > BANNER_SECONDS


def start_heartbeat_thread(app=None, stop_event: threading.Event | None = None,
                           interval: float = INTERVAL_SECONDS):
    """worker_startup hook: beat now, then every `interval` seconds until stopped."""
    stop_event = stop_event or threading.Event()

    def loop():
        while True:
            try:
                beat()
            except Exception:  # keep beating; the next beat may reach the storage again
                log.exception("worker heartbeat failed")
            if stop_event.wait(interval):
                return

    thread = threading.Thread(target=loop, name="worker-heartbeat", daemon=True)
    thread.start()
    return thread, stop_event
