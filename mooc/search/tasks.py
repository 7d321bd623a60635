"""The single indexer: the worker drains the search outbox every few seconds.

Only one process may write a Whoosh index, so the loop holds a huey lock (SQLite or
Redis, like the queue) while it works; a second worker host simply waits its turn.
"""
import logging
import threading

from huey.exceptions import TaskLockedException

from mooc.core import jobs
from mooc.search import services

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 2


_checked_schema = threading.Event()


def drain_once(app):
    with app.app_context():
        try:
            with jobs.huey.lock_task("search-indexer"):
                if not _checked_schema.is_set():
                    services.rebuild_if_stale()
                    _checked_schema.set()
                total = 0
                while (done := services.process_outbox()):
                    total += done
                return total
        except TaskLockedException:
            return 0


def start_indexer_thread(app, stop_event=None):
    stop_event = stop_event or threading.Event()

    def loop():
        while not stop_event.wait(INTERVAL_SECONDS):
            try:
                drain_once(app)
            except Exception:  # keep the loop alive; the outbox keeps the work
                log.exception("search indexer failed; will retry")

    thread = threading.Thread(target=loop, name="search-indexer", daemon=True)
    thread.start()
    return thread, stop_event


@jobs.task()
def rebuild_index_task(job_id):
    jobs.update_job(job_id, status="running", progress=0.1, message="正在重建搜索索引")
    count = services.rebuild()
    jobs.update_job(job_id, status="done", progress=1.0, message=f"已索引 {count} 个条目")
