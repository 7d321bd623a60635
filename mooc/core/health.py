"""/healthz checks: each feature may add one; all must pass for a 200."""
from sqlalchemy import text

from mooc.core import jobs
from mooc.extensions import db

_CHECKS = {}


def register(name, check):
    _CHECKS[name] = check


def check_database():
    try:
        db.session.execute(text("SELECT 1"))
        return {"ok": True, "backend": db.engine.dialect.name}
    except Exception as exc:  # a failed probe is a report, not a crash
        db.session.rollback()
        return {"ok": False, "error": str(exc)[:200]}


def check_search():
    from mooc.search.services import index_state
    return index_state()


register("database", check_database)
register("jobs", jobs.queue_state)
register("search", check_search)


def report():
    results = {}
    for name, check in _CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:
            results[name] = {"ok": False, "error": str(exc)[:200]}
    healthy = all(r.get("ok") for r in results.values())
    return healthy, results
