"""A `limits` storage in an SQLite file, shared by every process on the machine.

Flask-Limiter's `memory://` storage counts per process, so with two gunicorn workers
every limit was twice as generous (issue 15). Without Redis, `make run` keeps the
counters here instead, in `INSTANCE_DIR/ratelimits.sqlite3` next to the database:
each increment is one atomic UPSERT … RETURNING, so all workers see one count. With
`REDIS_URL` set, the limits' Redis storage is used instead (config.py).

URI: ``mooc+sqlite:///absolute/path/ratelimits.sqlite3``. Defining the class registers
the scheme with `limits` (its storage registry is keyed by `STORAGE_SCHEME`); nothing
touches the file until a limited route is requested.
"""
import os
import sqlite3
import threading
import time
from pathlib import Path

from limits.storage import Storage

SCHEME = "mooc+sqlite"
_SCHEMA = ("CREATE TABLE IF NOT EXISTS ratelimit ("
           "key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires_at REAL NOT NULL)")
_INCR = ("INSERT INTO ratelimit (key, value, expires_at) VALUES (:key, :amount, :expires) "
         "ON CONFLICT (key) DO UPDATE SET "
         "value = CASE WHEN expires_at <= :now THEN excluded.value ELSE value + excluded.value END, "
         "expires_at = CASE WHEN expires_at <= :now THEN excluded.expires_at ELSE expires_at END "
         "RETURNING value")
PRUNE_EVERY = 500   # increments between deletions of expired counters


def uri_for(path):
    return f"{SCHEME}://{Path(path).resolve()}"


class SQLiteStorage(Storage):
    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri=None, wrap_exceptions=False, **options):
        self.path = Path((uri or "").split("://", 1)[1])
        self._local = threading.local()
        self._increments = 0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _conn(self):
        # One connection per thread and per process (gunicorn forks after loading the app).
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(_SCHEMA)
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def incr(self, key, expiry, amount=1):
        now = time.time()
        conn = self._conn()
        value = conn.execute(_INCR, {"key": key, "amount": amount, "now": now,
                                     "expires": now + expiry}).fetchone()[0]
        self._increments += 1
        if self._increments % PRUNE_EVERY == 0:
            conn.execute("DELETE FROM ratelimit WHERE expires_at <= ?", (now,))
        return value

    def get(self, key):
        row = self._conn().execute(
            "SELECT value FROM ratelimit WHERE key = ? AND expires_at > ?",
            (key, time.time())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key):
        now = time.time()
        row = self._conn().execute(
            "SELECT expires_at FROM ratelimit WHERE key = ? AND expires_at > ?",
            (key, now)).fetchone()
        return row[0] if row else now

    def check(self):
        try:
            self._conn().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self):
        return self._conn().execute("DELETE FROM ratelimit").rowcount

    def clear(self, key):
        self._conn().execute("DELETE FROM ratelimit WHERE key = ?", (key,))
