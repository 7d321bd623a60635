"""Keeping the Whoosh index in step with the database, and querying it.

Layout: SEARCH_INDEX_DIR/current is a symlink to a versioned directory, so a rebuild
writes a fresh index beside the live one and swaps the link atomically.

Features register *providers*: `register_provider("lesson", documents_for, all_keys)`
where `documents_for(id)` returns the search documents for that object now (an empty
list when it must not be searchable: unpublished, deleted), and `all_keys()` lists
every key for a rebuild.
"""
import os
import secrets
import shutil
import time
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, select
from whoosh import index as whoosh_index

from mooc.catalog.models import Course
from mooc.core.database import read_only
from mooc.core.registry import contributions
from mooc.extensions import db
from mooc.search import engine
from mooc.search.models import SearchOutbox
from mooc.search.searcher_cache import SearcherCache

_CACHES = {}
BATCH = 500


def register_provider(app, prefix, documents_for, all_keys):
    """Documents for keys "<prefix>:<id>": `documents_for(id)` → [doc], `all_keys()` → ids."""
    contributions(app).search_providers[prefix] = (documents_for, all_keys)


def _providers():
    return contributions().search_providers


def enqueue(*doc_keys):
    """Mark objects for re-indexing, in the caller's transaction."""
    for key in doc_keys:
        db.session.add(SearchOutbox(doc_key=key))


def index_root():
    return Path(current_app.config["SEARCH_INDEX_DIR"])


def current_dir():
    link = index_root() / "current"
    return link.resolve() if link.exists() else None


def index_state():
    """For /healthz: is there a readable index, and how far behind is it?"""
    path = current_dir()
    if path is None or not whoosh_index.exists_in(str(path)):
        return {"ok": False, "state": "missing",
                "hint": "flask --app mooc search rebuild"}
    ix = engine.open_index(str(path))
    pending = db.session.query(SearchOutbox.id).count()
    return {"ok": True, "state": "ready", "documents": ix.doc_count(),
            "schema_current": engine.schema_is_current(ix), "pending_changes": pending}


def searcher_cache():
    """One SearcherCache per index directory per process (reopened after a swap)."""
    path = current_dir()
    if path is None:
        return None
    cache = _CACHES.get(str(path))
    if cache is None:
        # Forget caches of swapped-out versions: once no thread uses them their
        # searchers are collected and the old files' disk space comes back.
        _CACHES.clear()
        cache = _CACHES[str(path)] = SearcherCache(str(path))
    return cache


def _documents(doc_key):
    prefix, _, ident = doc_key.partition(":")
    provider = _providers().get(prefix)
    if provider is None or not ident.isdigit():
        return []
    return provider[0](int(ident))


def _changes_for(keys):
    """Current documents for each key (de-duplicated, order kept)."""
    upserts = []
    for key in dict.fromkeys(keys):
        upserts.extend(_documents(key))
    return upserts


def _apply(ix, keys, upserts):
    """Replace everything the keys stand for: a lesson's attachments and transcript
    cues go with it (deleted by lesson_id), a course document by its id."""
    keys = list(dict.fromkeys(keys))
    lesson_ids = [k.partition(":")[2] for k in keys if k.startswith("lesson:")]
    other_ids = [k for k in keys if not k.startswith("lesson:")]
    engine.apply_changes(ix, upserts=upserts, deletes=other_ids,
                         delete_lesson_ids=lesson_ids, timeout=30)
    return len(upserts)


def process_outbox(limit=BATCH):
    """Drain the outbox in one writer. Runs only in the indexer (one at a time)."""
    path = current_dir()
    if path is None:
        rebuild()
        return 0
    with read_only():  # reading documents may take a while (PDFs): don't block writers
        rows = db.session.execute(select(SearchOutbox.id, SearchOutbox.doc_key)
                                  .order_by(SearchOutbox.id).limit(limit)).all()
        keys = [key for _, key in rows]
        upserts = _changes_for(keys)
        db.session.commit()
    if not rows:
        return 0
    _apply(engine.open_index(str(path)), keys, upserts)
    # Delete exactly the rows applied: on PostgreSQL a lower id may commit after a
    # higher one was read, so "id <= max" could drop a change never indexed.
    db.session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([i for i, _ in rows])))
    db.session.commit()
    return len(rows)


def rebuild_if_stale():
    """Rebuild when the index was written by an older analysis/schema (after an
    upgrade), so nobody has to remember `search rebuild`.  True if it rebuilt."""
    path = current_dir()
    if path is None or engine.schema_is_current(engine.open_index(str(path))):
        return False
    rebuild()
    return True


def all_keys():
    for prefix, (_, keys) in _providers().items():
        for ident in keys():
            yield f"{prefix}:{ident}"


def rebuild():
    """Build a complete index in a new directory and swap it in atomically."""
    root = index_root()
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"v{int(time.time())}-{secrets.token_hex(3)}"
    ix = engine.create_index(str(target))
    with read_only():
        seen_outbox = list(db.session.scalars(select(SearchOutbox.id)))
        keys = list(all_keys())
        batches = (_changes_for(keys[start:start + BATCH])
                   for start in range(0, len(keys), BATCH))
        count = engine.build_index(ix, batches)
        db.session.commit()
    _swap(root, target)
    # Changes queued before the rebuild started are in the new index already.
    for start in range(0, len(seen_outbox), BATCH):
        db.session.execute(delete(SearchOutbox).where(
            SearchOutbox.id.in_(seen_outbox[start:start + BATCH])))
    db.session.commit()
    _remove_old_versions(root, keep=target)
    return count


def _swap(root, target):
    tmp_link = root / f".current-{secrets.token_hex(4)}"
    os.symlink(target.name, tmp_link)
    os.replace(tmp_link, root / "current")


def _remove_old_versions(root, keep):
    # Open readers keep their files on Linux; only versions two swaps old are removed.
    versions = sorted((p for p in root.glob("v*") if p.is_dir() and p != keep),
                      key=lambda p: p.stat().st_mtime)
    for old in versions[:-1]:
        shutil.rmtree(old, ignore_errors=True)


def course_titles(course_ids):
    if not course_ids:
        return {}
    return dict(db.session.execute(select(Course.id, Course.title)
                                   .where(Course.id.in_(course_ids))).all())


def visible_course_ids(user):
    """Courses this user may open; set by the catalog (None = everything)."""
    return _VISIBILITY[0](user) if _VISIBILITY else None


_VISIBILITY = []


def set_visibility_rule(rule):
    _VISIBILITY[:] = [rule]


def search(user_course_ids, query_text, **filters):
    cache = searcher_cache()
    if cache is None:
        return None
    return cache.search(query_text, allowed_course_ids=user_course_ids, **filters)
