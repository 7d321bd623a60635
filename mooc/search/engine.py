"""Search engine layer over a Whoosh index directory (no Flask, no DB).

Documents
    dicts with ``doc_id`` (unique string), ``kind`` (one of KINDS),
    ``course_id`` (int) and optionally ``lesson_id``, ``lesson_kind``,
    ``title``, ``body`` (plain text – strip Markdown before indexing),
    ``tags`` (list or comma-separated string), ``url``, ``start_seconds``
    (transcript cues).  Derived fields (bigram, pinyin) are filled here.

API
    create_index(path) / open_index(path) / ensure_index(path) -> Index
    schema_is_current(ix) -> bool          False → rebuild needed
    build_index(ix, batches) -> int        a rebuild: every document, one writer
    apply_changes(ix, upserts, deletes=(), *, delete_lesson_ids=(),
                  delete_course_ids=(), timeout=0.0) -> None
    coalesce_changes(events) -> (upserts, deletes)
    search(ix_or_searcher, query_text, *, allowed_course_ids=None,
           course_id=None, kinds=None, lesson_kind=None, page=1,
           pagelen=10, suggest=True) -> SearchResults
    optimize_index(ix) -> None             merge segments

Reusing searchers and results across requests: mooc.search.searcher_cache.

How a query is matched: mooc.search.query.  How hits are highlighted:
mooc.search.highlight.  Suggestions: mooc.search.suggest.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from typing import Iterable, Iterator

from whoosh import index as whoosh_index
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.index import TOC
from whoosh.writing import SegmentWriter
from whoosh.searching import Searcher

from mooc.search import matching
from mooc.search.analysis import (BigramAnalyzer, ChineseAnalyzer, PinyinAnalyzer,
                                  PinyinWordAnalyzer)
from mooc.search.query import NOTHING, build_query, filter_query
from mooc.search.results import SearchHit, SearchResults, as_int, make_hit  # noqa: F401
from mooc.search.suggest import corrected_query

KINDS = ("course", "lesson", "attachment", "transcript")
MAX_PAGELEN = 100
MAX_PAGE = 500
BUILD_LIMIT_MB = 256      # a rebuild's posting buffer before it spills sorted runs to disk
SUPERSEDED_GRACE_SECONDS = 600   # how long merged-away files stay for searchers still opening them

_DOC_KEYS = {"doc_id", "kind", "course_id", "lesson_id", "lesson_kind", "title",
             "body", "tags", "url", "start_seconds"}


def build_schema() -> Schema:
    return Schema(
        doc_id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        course_id=ID(stored=True),
        lesson_id=ID(stored=True),
        lesson_kind=ID(stored=True),
        title=TEXT(analyzer=ChineseAnalyzer(), stored=True, phrase=False),
        # Positions only: highlighting scans the stored text of the page's hits
        # (mooc.search.highlight), so postings need no character offsets.
        title_bigram=TEXT(analyzer=BigramAnalyzer()),
        title_pinyin=TEXT(analyzer=PinyinAnalyzer()),
        body=TEXT(analyzer=ChineseAnalyzer(), stored=True, phrase=False),
        body_bigram=TEXT(analyzer=BigramAnalyzer()),
        body_pinyin=TEXT(analyzer=PinyinWordAnalyzer(), phrase=False),
        tags=TEXT(analyzer=BigramAnalyzer(), phrase=True),
        tags_pinyin=TEXT(analyzer=PinyinAnalyzer(), phrase=True),
        url=STORED(),
        start_seconds=STORED(),
    )


# --------------------------------------------------------------------------
# Index management
# --------------------------------------------------------------------------


def create_index(path: str) -> whoosh_index.Index:
    os.makedirs(path, exist_ok=True)
    return whoosh_index.create_in(path, build_schema())


def open_index(path: str) -> whoosh_index.Index:
    return whoosh_index.open_dir(path)


def ensure_index(path: str) -> whoosh_index.Index:
    if os.path.isdir(path) and whoosh_index.exists_in(path):
        return open_index(path)
    return create_index(path)


def schema_is_current(ix: whoosh_index.Index) -> bool:
    """False when the index was built with other fields/analyzers."""
    current, stored = build_schema(), ix.schema
    if sorted(current.names()) != sorted(stored.names()):
        return False
    return all(type(current[n]) is type(stored[n])
               and type(current[n].format) is type(stored[n].format)
               and repr(getattr(current[n], "analyzer", None))
               == repr(getattr(stored[n], "analyzer", None))
               for n in current.names())


def _tags_text(tags) -> str:
    if not tags:
        return ""
    if isinstance(tags, str):
        return tags
    return ", ".join(str(t) for t in tags if t)


def _index_fields(doc: dict) -> dict:
    unknown = set(doc) - _DOC_KEYS
    if unknown:
        raise ValueError(f"unknown search document keys: {sorted(unknown)}")
    if not doc.get("doc_id"):
        raise ValueError("search document needs a doc_id")
    if doc.get("kind") not in KINDS:
        raise ValueError(f"search document kind must be one of {KINDS}")
    if doc.get("course_id") is None:
        raise ValueError("search document needs a course_id")
    title = doc.get("title") or ""
    body = doc.get("body") or ""
    tags = _tags_text(doc.get("tags"))
    fields = {
        "doc_id": str(doc["doc_id"]),
        "kind": doc["kind"],
        "course_id": str(doc["course_id"]),
        "title": title, "title_bigram": title, "title_pinyin": title,
        "body": body, "body_bigram": body, "body_pinyin": body,
        "tags": tags, "tags_pinyin": tags,
        "url": doc.get("url") or "",
        "start_seconds": doc.get("start_seconds"),
    }
    if doc.get("lesson_id") is not None:
        fields["lesson_id"] = str(doc["lesson_id"])
    if doc.get("lesson_kind"):
        fields["lesson_kind"] = str(doc["lesson_kind"])
    return fields


class _GracefulSegmentWriter(SegmentWriter):
    """A writer that deletes superseded files only after a grace period.

    Why: Whoosh opens a segment's files lazily, and a commit that merges
    segments deletes the old files (and the old TOC) at once, so a searcher
    opened moments before – in a web worker, while the indexer commits –
    fails with FileNotFoundError or a half-open reader.  Open files survive
    deletion on POSIX; the grace period covers the ones not opened yet.
    """

    def _commit_toc(self, segments):
        TOC(self.schema, segments, self.generation).write(self.storage, self.indexname)
        remove_superseded_files(self.storage, self.indexname, self.generation, segments)

    def _flush_segment(self):
        # As SegmentWriter's, but field lengths are read once per field, not once per
        # posting (Whoosh looks each up in a column: a fifth of a rebuild's time).
        self.perdocwriter.close()
        lengths = _CachedLengths(self.per_document_reader()) if self.codec.length_stats \
            else None
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if lengths is not None:
            lengths.close()


class _CachedLengths:
    """doc_field_length from per-field lists filled on first use."""

    def __init__(self, reader):
        self._reader = reader
        self._fields: dict[str, list] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        lengths = self._fields.get(fieldname)
        if lengths is None:
            read = self._reader.doc_field_length
            lengths = self._fields[fieldname] = [
                read(d, fieldname, default) for d in range(self._reader.doc_count_all())]
        return lengths[docnum]

    def close(self):
        self._reader.close()


def remove_superseded_files(storage, indexname, generation, segments, grace=None) -> None:
    """whoosh.index.clean_files, sparing files younger than ``grace`` seconds."""
    keep = {s.segment_id() for s in segments}
    toc_re, segment_re = TOC._pattern(indexname), TOC._segment_pattern(indexname)
    cutoff = time.time() - (SUPERSEDED_GRACE_SECONDS if grace is None else grace)
    for name in storage.list():
        toc, segment = toc_re.match(name), segment_re.match(name)
        superseded = (toc and int(toc.group(1)) != generation) or \
            (segment and segment.group(1) not in keep)
        try:
            if superseded and storage.file_modified(name) < cutoff:
                storage.delete_file(name)
        except OSError:      # already gone (another cleaner), or still held on Windows
            pass


def _writer(ix, **kwargs) -> SegmentWriter:
    # compound=False: a compound segment is copied into memory whenever a
    # searcher opens it (+250 MB per process at 50k docs).
    return _GracefulSegmentWriter(ix, compound=False, **kwargs)


def coalesce_changes(events: Iterable[tuple[str, str, dict | None]]):
    """Turn ordered ("upsert"|"delete", doc_id, doc) events into the two
    lists apply_changes takes; the last event for an id wins."""
    final: dict[str, dict | None] = {}
    for op, doc_id, doc in events:
        final.pop(doc_id, None)           # re-insert so order follows last event
        final[doc_id] = doc if op == "upsert" else None
    upserts = [d for d in final.values() if d is not None]
    deletes = [i for i, d in final.items() if d is None]
    return upserts, deletes


def apply_changes(ix, upserts: Iterable[dict] = (), deletes: Iterable[str] = (), *,
                  delete_lesson_ids: Iterable = (), delete_course_ids: Iterable = (),
                  timeout: float = 0.0) -> None:
    """Apply one batch in ONE writer: all deletes first, then the upserts.

    Upserts are de-duplicated by doc_id (last wins): Whoosh's
    update_document twice for one id in one writer leaves two documents.
    An id both deleted and upserted in the batch ends up upserted.
    Raises whoosh.index.LockError if another writer holds the lock.
    """
    latest: dict[str, dict] = {}
    for doc in upserts:
        fields = _index_fields(doc)
        latest.pop(fields["doc_id"], None)
        latest[fields["doc_id"]] = fields
    to_delete = {str(d) for d in deletes} | set(latest)

    writer = _writer(ix, timeout=timeout)
    try:
        for doc_id in to_delete:
            writer.delete_by_term("doc_id", doc_id)
        for lesson_id in delete_lesson_ids:
            writer.delete_by_term("lesson_id", str(lesson_id))
        for course_id in delete_course_ids:
            writer.delete_by_term("course_id", str(course_id))
        for fields in latest.values():
            writer.add_document(**{k: v for k, v in fields.items() if v is not None})
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def build_index(ix, batches: Iterable[Iterable[dict]]) -> int:
    """Add every document of a rebuild through ONE writer and commit once.

    Why not apply_changes per batch: each commit writes a segment that later
    commits merge again, and a final optimize rewrites everything once more –
    together most of the build time.  One writer spills sorted runs to disk
    past BUILD_LIMIT_MB and writes a single segment.  Only for a brand-new
    index (nothing to delete); a doc_id seen twice keeps its first document.
    """
    seen: set[str] = set()
    writer = _writer(ix, limitmb=BUILD_LIMIT_MB)
    try:
        for batch in batches:
            for doc in batch:
                fields = _index_fields(doc)
                if fields["doc_id"] in seen:
                    continue
                seen.add(fields["doc_id"])
                writer.add_document(**{k: v for k, v in fields.items() if v is not None})
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return len(seen)


def optimize_index(ix) -> None:
    """Merge all segments into one."""
    _writer(ix).commit(optimize=True)


# --------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------


@contextmanager
def _searcher_for(ix_or_searcher) -> Iterator[Searcher]:
    if isinstance(ix_or_searcher, Searcher):
        yield ix_or_searcher
    else:
        with ix_or_searcher.searcher() as s:
            yield s


def search(ix_or_searcher, query_text: str, *, allowed_course_ids=None, course_id=None,
           kinds=None, lesson_kind=None, page: int = 1, pagelen: int = 10,
           suggest: bool = True) -> SearchResults:
    """Search; never raises on user input.  ``allowed_course_ids=None``
    means no restriction; an empty iterable means nothing is visible.

    Every part of the query is required; when that finds nothing, documents
    matching some part are returned with ``partial=True``.  A suggestion
    ("did you mean") is offered for an empty or partial result, and only
    when it finds something this user may see.
    """
    page = min(max(as_int(page) or 1, 1), MAX_PAGE)
    pagelen = min(max(as_int(pagelen) or 10, 1), MAX_PAGELEN)
    empty = SearchResults(query_text or "", 0, page, pagelen, [])
    compiled = build_query(query_text or "")
    filter_q = filter_query(allowed_course_ids, course_id, kinds, lesson_kind)
    if compiled.required is None or filter_q is NOTHING:
        return empty
    with _searcher_for(ix_or_searcher) as searcher:
        found = matching.top(searcher, compiled.strict, compiled.required, filter_q, page,
                             pagelen)
        partial = False
        if found.total == 0 and compiled.any_part is not None:
            found = matching.top(searcher, compiled.loose, compiled.any_part, filter_q, page,
                                 pagelen)
            partial = found.total > 0
        hits = [make_hit(stored, score, compiled.needles) for stored, score in found.page]
        suggestion = None
        if suggest and (found.total == 0 or partial):
            def finds_something(text):
                q = build_query(text).strict
                return q is not None and matching.exists(searcher, q, filter_q)

            def first_title(q):
                return matching.first_stored(searcher, q, filter_q, "title")
            suggestion = corrected_query(searcher, query_text, first_title, finds_something)
    return SearchResults(query_text or "", found.total, page, pagelen, hits, suggestion,
                         partial=partial, estimated=found.estimated)
