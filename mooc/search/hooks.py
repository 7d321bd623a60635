"""Write search-outbox rows in the same transaction as the content change.

Like microblog's SearchableMixin, but the rows go to the database rather than the
index: only the indexer writes Whoosh. Hooked on every ORM flush, so no service can
forget it. A class maps to the keys it affects through `KEYS_FOR`.
"""
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from mooc.catalog.models import Attachment, Course, Lesson
from mooc.core.models import utcnow
from mooc.search.models import SearchOutbox


def _course_keys(course, session):
    keys = [f"course:{course.id}"]
    # Publishing or restricting a course changes whether its lessons may be found.
    lesson_ids = session.execute(select(Lesson.id).where(Lesson.course_id == course.id)).scalars()
    return keys + [f"lesson:{i}" for i in lesson_ids]


KEYS_FOR = {
    Course: _course_keys,
    Lesson: lambda lesson, session: [f"lesson:{lesson.id}"],
    Attachment: lambda attachment, session: [f"lesson:{attachment.lesson_id}"],
}


def register(model, keys_for):
    """Another feature's model that changes what a lesson shows (captions…)."""
    KEYS_FOR[model] = keys_for


@event.listens_for(Session, "before_flush")
def _remember_changes(session, _context, _instances):
    # ids of new rows are not known yet: remember the objects, read ids after flush.
    pending = session.info.setdefault("search_pending", set())
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if any(isinstance(obj, model) for model in KEYS_FOR):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            pending.add(obj)
    for obj in session.deleted:
        # Deleted rows cannot be read after the flush: compute their keys now.
        for model, keys_for in KEYS_FOR.items():
            if isinstance(obj, model):
                session.info.setdefault("search_deleted_keys", []).extend(keys_for(obj, session))
        pending.discard(obj)


@event.listens_for(Session, "after_flush")
def _write_outbox(session, _context):
    pending = session.info.pop("search_pending", set())
    keys = session.info.pop("search_deleted_keys", [])
    for obj in pending:
        for model, keys_for in KEYS_FOR.items():
            if isinstance(obj, model) and getattr(obj, "id", None) is not None:
                keys.extend(keys_for(obj, session))
    keys = list(dict.fromkeys(keys))
    if keys:
        now = utcnow()
        session.connection().execute(insert(SearchOutbox.__table__),
                                     [{"doc_key": key, "created_at": now} for key in keys])
