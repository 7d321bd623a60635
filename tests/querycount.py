"""Counting the SQL statements a request runs (hot-path budgets, issue 13).

Counted: every statement the engine sends, as seen by SQLAlchemy's
`before_cursor_execute`, except transaction control (BEGIN, BEGIN IMMEDIATE,
COMMIT, ROLLBACK, SAVEPOINT/RELEASE), which is listed separately so a test can also
check *where* the write transaction begins.
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

    def record(_conn, _cursor, statement, _params, _context, _many):
        found.all.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", record)
