"""`make bench`: generated data, a load run against the real server, separate figures.

Everything the bench writes lives under bench/work/ (git-ignored) except the report,
bench/results.md. See bench/README.md.

The bench never touches the development database: `bench_env()` points DATABASE_URL,
MEDIA_ROOT, SEARCH_INDEX_DIR and INSTANCE_DIR at bench/work/ (unless DATABASE_URL /
REDIS_URL are set by the caller, which selects PostgreSQL / Redis). It must be applied
to os.environ *before* `config` or `mooc` is imported: config.py reads the environment
when it is imported.
"""
import hashlib
import os
from pathlib import Path

# Bump when the generated data changes shape: cached databases of another version are
# regenerated instead of reused.
DATA_VERSION = 3

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
WORK = BENCH_DIR / "work"
BENCH_PASSWORD = "Bench@2024"


# Read once, when the package is imported: apply_env() later sets DATABASE_URL itself.
_EXTERNAL_DB = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or None
_EXTERNAL_REDIS = os.environ.get("REDIS_URL") or None


def external_database_url():
    """The caller's DATABASE_URL (PostgreSQL run), or None for the SQLite default."""
    return _EXTERNAL_DB


def external_redis_url():
    return _EXTERNAL_REDIS


def cache_key(members):
    return f"v{DATA_VERSION}-m{members}"


def paths(members):
    """Where this data size lives. The cache holds the generated (pristine) data."""
    external = external_database_url()
    if external:
        tag = hashlib.sha256(external.encode()).hexdigest()[:10]
        cache = WORK / f"cache-pg-{tag}-{cache_key(members)}"
    else:
        cache = WORK / f"cache-{cache_key(members)}"
    run = WORK / "run"
    return {
        "cache": cache,
        "cache_db": cache / "mooc.sqlite3",
        "marker": cache / "generated.json",
        "manifest": cache / "manifest.json",
        "search_index": cache / "search_index",
        "run": run,
        "run_db": run / "mooc.sqlite3",
        "instance": run / "instance",
        "media": WORK / "media",
        "logs": WORK / "logs",
    }


def bench_env(members, *, for_run=False):
    """Environment for the generator (for_run=False) or the server under test."""
    p = paths(members)
    external = external_database_url()
    if external:
        url = external
    else:
        url = "sqlite:///" + str(p["run_db"] if for_run else p["cache_db"])
    instance = p["instance"] if for_run else p["cache"] / "instance"
    env = {
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(p["media"]),
        "SEARCH_INDEX_DIR": str(p["search_index"]),
        "INSTANCE_DIR": str(instance),
        "HUEY_SQLITE_PATH": str(instance / "jobs.sqlite3"),
        "MOOC_ENV": "development",
        "PYTHONPATH": str(ROOT),
    }
    return env


def apply_env(env):
    os.environ.update(env)
