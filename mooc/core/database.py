"""Database tuning that must hold on every connection.

SQLite is the embedded default and runs under several gunicorn workers, so each
connection gets WAL, a busy timeout and foreign keys, and write transactions
start with BEGIN IMMEDIATE: a deferred transaction that upgrades to a write fails
with SQLITE_BUSY at once instead of waiting (see FIELD-NOTES, SQLAlchemy's
documented pysqlite recipe). GET requests never write, so they keep deferred
transactions and never queue behind writers.
"""
import contextvars
from contextlib import contextmanager

from flask import has_request_context, request
from sqlalchemy import event

READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}
_reading_only = contextvars.ContextVar("reading_only", default=False)


@contextmanager
def read_only():
    """Transactions begun inside only read: they must not take SQLite's write lock.

    For long reads outside requests (the search indexer extracting PDFs, exports),
    which would otherwise block every writer until they finish. Commit or roll back
    before leaving the block.
    """
    token = _reading_only.set(True)
    try:
        yield
    finally:
        _reading_only.reset(token)


def _begin_statement():
    if _reading_only.get():
        return "BEGIN"
    if has_request_context() and request.method in READ_ONLY_METHODS:
        return "BEGIN"
    return "BEGIN IMMEDIATE"


def tune_sqlite(engine):
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=15000",
                       "foreign_keys=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql(_begin_statement())
