"""Database tuning that must hold on every connection, and the hot paths' write lock.

SQLite is the embedded default and runs under several gunicorn workers, so each
connection gets WAL, a busy timeout and foreign keys, and write transactions
start with BEGIN IMMEDIATE: a deferred transaction that upgrades to a write fails
with SQLITE_BUSY at once instead of waiting (see FIELD-NOTES, SQLAlchemy's
documented pysqlite recipe). GET requests never write, so they keep deferred
transactions and never queue behind writers.

Hot paths (heartbeats, quiz autosave/start/submit, lesson visits) do better than
"the whole POST is one write transaction": their view is wrapped in
`reads_first`, so user loading, permission checks and policy building run in a
deferred read transaction that takes no lock, and only the final statements run
inside `write_transaction()`, which on SQLite ends the read transaction first (a
deferred one cannot upgrade, see above), then takes the write lock for just the
write; on PostgreSQL the write simply continues the read transaction.
On SQLite that lock is also taken in-process first: threads queueing on a mutex
wake as soon as it is free, while threads fighting over SQLite's own lock sleep
in its busy handler's growing steps, which is what made the tail (FIELD-NOTES:
p99 607 ms without, 147 ms with a per-process lock). Across worker processes an
flock on a file next to the database does the same; the kernel drops it when a
worker dies, so a kill -9 leaves no stale lock.
"""
import contextvars
import functools
import os
import threading
from contextlib import contextmanager, nullcontext

from flask import has_request_context, request
from sqlalchemy import event

try:
    import fcntl
except ImportError:  # not POSIX: the in-process lock alone still helps
    fcntl = None

READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}
_reading_only = contextvars.ContextVar("reading_only", default=False)
_writing = contextvars.ContextVar("writing", default=False)


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


def reads_first(view):
    """View decorator for hot paths: read deferred, write only in write_transaction().

    Every write such a view makes must go through `write_transaction()`: on SQLite a
    write inside the deferred read transaction would fail with SQLITE_BUSY when
    another process has written since it began.
    """
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        with read_only():
            return view(*args, **kwargs)
    return wrapped


def _begin_statement():
    if _writing.get():
        return "BEGIN IMMEDIATE"
    if _reading_only.get():
        return "BEGIN"
    if has_request_context() and request.method in READ_ONLY_METHODS:
        return "BEGIN"
    return "BEGIN IMMEDIATE"


class _SqliteWriteLock:
    """One writer at a time: a mutex between this process's threads, an flock between
    processes (opened per process: gunicorn forks after the app is loaded)."""

    def __init__(self, path):
        self.path = path
        self.mutex = threading.Lock()
        self.fd, self.pid = None, None

    def _file(self):
        if self.fd is None or self.pid != os.getpid():
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self.pid = os.getpid()
        return self.fd

    def __enter__(self):
        self.mutex.acquire()
        if fcntl is not None and self.path:
            try:
                fcntl.flock(self._file(), fcntl.LOCK_EX)
            except BaseException:
                self.mutex.release()
                raise
        return self

    def __exit__(self, *exc):
        try:
            if fcntl is not None and self.path and self.fd is not None:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.mutex.release()


_locks = {}
_locks_guard = threading.Lock()


def _write_lock(engine):
    if engine.dialect.name != "sqlite":
        return nullcontext()   # PostgreSQL: row locks and the guarded UPDATEs suffice
    with _locks_guard:
        lock = _locks.get(engine.url)
        if lock is None:
            database = engine.url.database
            path = f"{database}-writelock" if database and database != ":memory:" \
                and not database.startswith("file:") else None
            lock = _locks[engine.url] = _SqliteWriteLock(path)
        return lock


def end_reads(session):
    """End a hot path's read transaction without expiring what it loaded."""
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


@contextmanager
def write_transaction(session):
    """The write of a hot path: commits on success, rolls back on any exception.

    On SQLite the read transaction is ended first (nothing was written in it); on
    PostgreSQL the write continues it. Loaded objects
    are not expired by these commits: the reads before stay usable, and touching the
    signed-in user afterwards (Flask-Login, the response hooks) costs no statement.
    Nothing is acknowledged before the commit here returns.

    Outside a `reads_first` view (tests, the CLI, background jobs) the caller's
    transaction already is a write transaction: the block runs in it, and the
    caller commits, as everywhere else. Nested in another write_transaction, the
    block is part of the outer one.
    """
    if not _reading_only.get() or _writing.get():   # also: nested in another one
        yield session
        return
    keep = session.expire_on_commit
    session.expire_on_commit = False
    token = _writing.set(True)
    try:
        sqlite = session.get_bind().dialect.name == "sqlite"
        upgrade = _sqlite_in_place(session) if sqlite else None
        if sqlite and upgrade is None:
            session.commit()   # the read transaction: it wrote nothing
        # Elsewhere (PostgreSQL) the read transaction simply goes on into the write:
        # there is no database-wide write lock to keep short, and the guarded UPDATEs
        # re-check their conditions on the newest row version.
        with _write_lock(session.get_bind()):
            try:
                if upgrade is not None:
                    upgrade()
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        _writing.reset(token)
        session.expire_on_commit = keep


def _sqlite_in_place(session):
    """On SQLite, a function that turns the session's read transaction into a write one
    on the same connection (or None to go the general way: commit, then begin anew).

    SQLite cannot upgrade a deferred transaction (see above), so the read one is ended
    and BEGIN IMMEDIATE issued, on the driver's connection: to SQLAlchemy the session
    simply stays in its transaction, which it commits or rolls back as usual. This
    skips a pool check-in and check-out and a round of transaction events per hot
    write, a measurable share of a heartbeat's cost.
    """
    if session.new or session.dirty or session.deleted:
        return None
    transaction = session.get_transaction()
    if transaction is None or not transaction.is_active:
        return None
    connection = session.connection()
    driver = connection.connection.driver_connection
    if driver.in_transaction:
        driver.execute("COMMIT")   # the read transaction: it wrote nothing

    def upgrade():
        driver.execute("BEGIN IMMEDIATE")
    return upgrade


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
        # On the driver's connection: the same statement, without a round of
        # SQLAlchemy's execution machinery (twice per heartbeat).
        conn.connection.driver_connection.execute(_begin_statement())
