"""Race-free SQL helpers shared by features (PostgreSQL and SQLite alike)."""
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from mooc.extensions import db

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def insert_ignoring_conflict(model, values: dict, index_elements: list[str]) -> bool:
    """INSERT the row unless one with the same unique key exists; True if this call
    created it. Another transaction inserting the same key at the same moment makes
    this one wait for it (PostgreSQL) or fail over to the existing row — never raise."""
    insert = _INSERTS.get(db.session.get_bind().dialect.name)
    if insert is not None:
        # RETURNING tells whether a row was written (rowcount is -1 on psycopg here).
        key = next(iter(model.__table__.primary_key.columns))
        result = db.session.execute(insert(model.__table__).values(**values)
                                    .on_conflict_do_nothing(index_elements=index_elements)
                                    .returning(key))
        return result.first() is not None
    try:
        with db.session.begin_nested():
            db.session.execute(model.__table__.insert().values(**values))
    except IntegrityError:
        return False
    return True
