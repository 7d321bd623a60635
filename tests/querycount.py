"""Counting the SQL statements a request runs (hot-path budgets, issue 13).

Counted: every statement the database runs, except transaction control (BEGIN,
BEGIN IMMEDIATE, COMMIT, ROLLBACK, SAVEPOINT/RELEASE), which is listed separately so
a test can also check *where* the write transaction begins. On SQLite they are seen
by the driver's trace callback, so statements the app sends on the driver's
connection itself (core.database's BEGINs) are seen too; elsewhere by SQLAlchemy's
`before_cursor_execute`.
"""
import re
from contextlib import contextmanager

from sqlalchemy import event

CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


class Statements:
    def __init__(self):
        self.all = []          # every statement in order, control included

    @property
    def counted(self):
        return [s for s in self.all if not CONTROL.match(s)]

    def __len__(self):
        return len(self.counted)

    def index_of_write_begin(self):
        """Position (in `all`) of the BEGIN IMMEDIATE, or None (PostgreSQL, or no write)."""
        return next((i for i, s in enumerate(self.all)
                     if s.strip().upper().startswith("BEGIN IMMEDIATE")), None)

    def reads_inside_write(self):
        """SELECTs run after the write transaction began: reads that held the write lock."""
        start = self.index_of_write_begin()
        if start is None:
            return []
        return [s for s in self.all[start:] if s.lstrip().upper().startswith("SELECT")]

    def describe(self):
        return "\n".join(f"  {s.splitlines()[0][:150]}" for s in self.all)


@contextmanager
def count_statements(engine):
    found = Statements()
    if engine.dialect.name == "sqlite":
        listeners = {"checkout": lambda dbapi, _rec, _proxy:
                     dbapi.set_trace_callback(found.all.append),
                     "checkin": lambda dbapi, _rec: dbapi.set_trace_callback(None)}
    else:
        listeners = {"before_cursor_execute": lambda _conn, _cursor, statement, *_rest:
                     found.all.append(statement)}
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    try:
        yield found
    finally:
        for name, listener in listeners.items():
            event.remove(engine, name, listener)
