"""Write search-outbox rows in the same transaction as the content change.

Like microblog's SearchableMixin, but the rows go to the database rather than the
index: only the indexer writes Whoosh. Hooked on every ORM flush (`install`, from the
search feature's register), so no service can forget it. A model maps to the keys it
affects through the app's `search_keys` (`register`).
"""
from flask import current_app
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from mooc.catalog.models import Attachment, Course, Lesson
from mooc.core.models import utcnow
from mooc.core.registry import contributions
from mooc.search.models import SearchOutbox


def _course_keys(course, session):
    keys = [f"course:{course.id}"]
    # Publishing or restricting a course changes whether its lessons may be found.
    lesson_ids = session.execute(select(Lesson.id).where(Lesson.course_id == course.id)).scalars()
    return keys + [f"lesson:{i}" for i in lesson_ids]


def _lesson_keys(lesson, session):
    return [f"lesson:{lesson.id}"]


def _attachment_keys(attachment, session):
    return [f"lesson:{attachment.lesson_id}"]


CATALOG_KEYS = {Course: _course_keys, Lesson: _lesson_keys, Attachment: _attachment_keys}


def register(app, model, keys_for):
    """A model whose changes alter what the index holds (courses, lessons, captions…)."""
    contributions(app).search_keys[model] = keys_for


def install():
    """Listen to every ORM flush in this process; idempotent (one listener per process,
    reading the running app's `search_keys`, so an app without search writes nothing)."""
    for name, listener in (("before_flush", _remember_changes), ("after_flush", _write_outbox)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def _keys_for():
    return contributions(current_app).search_keys


def _remember_changes(session, _context, _instances):
    keys_for_model = _keys_for()
    if not keys_for_model:
        return
    # ids of new rows are not known yet: remember the objects, read ids after flush.
    pending = session.info.setdefault("search_pending", set())
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, tuple(keys_for_model)):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            pending.add(obj)
    for obj in session.deleted:
        # Deleted rows cannot be read after the flush: compute their keys now.
        for model, keys_for in keys_for_model.items():
            if isinstance(obj, model):
                session.info.setdefault("search_deleted_keys", []).extend(keys_for(obj, session))
        pending.discard(obj)


def _write_outbox(session, _context):
    pending = session.info.pop("search_pending", set())
    keys = session.info.pop("search_deleted_keys", [])
    keys_for_model = _keys_for() if pending else {}
    for obj in pending:
        for model, keys_for in keys_for_model.items():
            if isinstance(obj, model) and getattr(obj, "id", None) is not None:
                keys.extend(keys_for(obj, session))
    keys = list(dict.fromkeys(keys))
    if keys:
        now = utcnow()
        session.connection().execute(insert(SearchOutbox.__table__),
                                     [{"doc_key": key, "created_at": now} for key in keys])
