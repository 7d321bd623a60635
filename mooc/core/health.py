"""/healthz checks: each feature's register(app) may add one; all must pass for a 200."""
from sqlalchemy import text

from mooc.core.registry import contributions
from mooc.extensions import db


def register(app, name, check):
    checks = contributions(app).health_checks
    if name in checks:
        raise RuntimeError(f"health check {name!r} added twice")
    checks[name] = check


def check_database():
    try:
        db.session.execute(text("SELECT 1"))
        return {"ok": True, "backend": db.engine.dialect.name}
    except Exception as exc:  # a failed probe is a report, not a crash
        db.session.rollback()
        return {"ok": False, "error": str(exc)[:200]}


def report():
    results = {}
    for name, check in contributions().health_checks.items():
        try:
            results[name] = check()
        except Exception as exc:
            results[name] = {"ok": False, "error": str(exc)[:200]}
    healthy = all(r.get("ok") for r in results.values())
    return healthy, results
