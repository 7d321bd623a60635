"""Search engine layer over a Whoosh index directory (no Flask, no DB).

Documents
    dicts with ``doc_id`` (unique string), ``kind`` (one of KINDS),
    ``course_id`` (int) and optionally ``lesson_id``, ``lesson_kind``,
    ``title``, ``body`` (plain text – strip Markdown before indexing),
    ``tags`` (list or comma-separated string), ``url``, ``start_seconds``
    (transcript cues).  Derived fields (bigram, pinyin) are filled here.

API
    create_index(path) -> Index            empty index (replaces any existing one)
    open_index(path) -> Index
    ensure_index(path) -> Index            open, or create when missing
    schema_is_current(ix) -> bool          False → rebuild needed
    apply_changes(ix, upserts, deletes=(), *, delete_lesson_ids=(),
                  delete_course_ids=(), timeout=0.0) -> None
    coalesce_changes(events) -> (upserts, deletes)
    search(ix_or_searcher, query_text, *, allowed_course_ids=None,
           course_id=None, kinds=None, lesson_kind=None, page=1,
           pagelen=10, suggest=True) -> SearchResults
    optimize_index(ix) -> None             merge segments after a rebuild
    SearcherCache(path)                    reusable per-thread searchers;
        .searcher() context manager, .search(query_text, **search_kwargs)
    build_query(query_text) -> (Query | None, plan)   for debugging/tests
    render_marked(text, spans), make_snippet(text, spans)   HTML helpers

SearchResults: query, total, page, pagelen, page_count, hits, suggestion.
SearchHit: doc_id, kind, course_id, lesson_id, lesson_kind, title,
title_html, url, start_seconds, snippet, score.  title_html and snippet are
HTML-escaped with matches wrapped in <mark>.

Query strategy
    The normalised query is split on whitespace; every part is required.
    Inside a part each Han run must occur as a phrase of character bigrams
    in title_bigram, body_bigram or tags (every doc containing the substring
    is found); other words must occur as whole tokens.  A part that is
    pinyin may instead match a syllable phrase in title_pinyin/tags_pinyin.
    jieba words of the query are optional scoring clauses on title/body, so
    a doc with the real word 党建 outranks one with 政党建立.  Queries are
    built programmatically – no QueryParser – so no input can raise.
"""

from __future__ import annotations

import html
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

from mooc.core.textnorm import normalize_for_search
from mooc.search.analysis import (
    RUN_RE,
    BigramAnalyzer,
    ChineseAnalyzer,
    ChineseWordTokenizer,
    PinyinAnalyzer,
    han_chars_of_run,
    pinyin_segmentations,
)

KINDS = ("course", "lesson", "attachment", "transcript")
MAX_QUERY_CHARS = 100     # longer queries are truncated: a phrase of 100 bigrams is plenty
MAX_QUERY_PARTS = 8
MAX_PAGELEN = 100
MAX_PAGE = 500
SNIPPET_CHARS = 120
SNIPPET_CONTEXT = 30
MAX_SNIPPET_SPANS = 200   # bounds the window search on long transcripts

_BIGRAM_FIELDS = ("title_bigram", "body_bigram", "tags")
_PINYIN_FIELDS = ("title_pinyin", "tags_pinyin")
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
        # chars=True: highlight from stored offsets, no re-analysis per hit
        title_bigram=TEXT(analyzer=BigramAnalyzer(), chars=True),
        title_pinyin=TEXT(analyzer=PinyinAnalyzer(), chars=True),
        body=TEXT(analyzer=ChineseAnalyzer(), stored=True, phrase=False),
        body_bigram=TEXT(analyzer=BigramAnalyzer(), chars=True),
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
        "body": body, "body_bigram": body,
        "tags": tags, "tags_pinyin": tags,
        "url": doc.get("url") or "",
        "start_seconds": doc.get("start_seconds"),
    }
    if doc.get("lesson_id") is not None:
        fields["lesson_id"] = str(doc["lesson_id"])
    if doc.get("lesson_kind"):
        fields["lesson_kind"] = str(doc["lesson_kind"])
    return fields


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
                  timeout: float = 0.0, fresh: bool = False) -> None:
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

    # Only a rebuild's brand-new, single-writer index may skip the deletes: a count
    # read before the writer lock is taken may be stale when another process writes.
    if fresh:
        to_delete = set()

    # compound=False: a compound segment is copied into memory whenever a
    # searcher opens it (+250 MB per process at 50k docs).
    writer = ix.writer(timeout=timeout, compound=False)
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


def optimize_index(ix) -> None:
    """Merge all segments into one (after a full rebuild)."""
    writer = ix.writer(compound=False)
    writer.commit(optimize=True)


# --------------------------------------------------------------------------
# Query building
# --------------------------------------------------------------------------


@dataclass
class _Plan:
    """What to match, kept alongside the Whoosh query for highlighting."""

    phrases: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    prefixes: list[tuple[str, str]] = field(default_factory=list)
    pinyin: list[tuple[str, ...]] = field(default_factory=list)


def _phrase(fieldname: str, words: list[str]) -> Q.Query:
    if len(words) == 1:
        return Q.Term(fieldname, words[0])
    return Q.Phrase(fieldname, words)


def _pinyin_clause(text: str, plan: _Plan) -> Q.Query | None:
    # Two letters ("me", "he") are more likely English than pinyin.
    if len(text.replace(" ", "")) < 3:
        return None
    options = pinyin_segmentations(text, limit=3)
    clauses = []
    for syllables in options:
        for f in _PINYIN_FIELDS:
            clauses.append(_phrase(f, syllables))
        plan.pinyin.append(tuple(syllables))
    return Q.Or(clauses) if clauses else None


def _part_clause(part: str, plan: _Plan) -> Q.Query | None:
    segments = []
    for match in RUN_RE.finditer(part):
        if match.group(2):
            word = match.group(2)
            segments.append(Q.Or([Q.Term(f, word) for f in _BIGRAM_FIELDS]))
            plan.phrases.extend((f, (word,)) for f in _BIGRAM_FIELDS)
            continue
        chars = han_chars_of_run(match.group(1))
        if len(chars) == 1:
            # Every indexed character starts some token (see CJKBigramTokenizer).
            segments.append(Q.Or([Q.Prefix(f, chars) for f in _BIGRAM_FIELDS]))
            plan.prefixes.extend((f, chars) for f in _BIGRAM_FIELDS)
            continue
        grams = [chars[i:i + 2] for i in range(len(chars) - 1)]
        segments.append(Q.Or([_phrase(f, grams) for f in _BIGRAM_FIELDS]))
        plan.phrases.extend((f, tuple(grams)) for f in _BIGRAM_FIELDS)
    clause = Q.And(segments) if segments else None
    pinyin = _pinyin_clause(part, plan)
    if clause is not None and pinyin is not None:
        return Q.Or([clause, pinyin])
    return clause or pinyin


def _ranking_clause(normalized: str) -> Q.Query | None:
    words = []
    for t in ChineseWordTokenizer()(normalized):
        if t.text not in words:
            words.append(t.text)
    if not words:
        return None
    terms = [Q.Term("title", w, boost=3.0) for w in words[:32]]
    terms += [Q.Term("body", w, boost=2.0) for w in words[:32]]
    return Q.Or(terms)


def build_query(query_text: str) -> tuple[Q.Query | None, _Plan]:
    """The Whoosh query for user input, or None when nothing is searchable."""
    plan = _Plan()
    normalized = normalize_for_search((query_text or "")[: MAX_QUERY_CHARS * 4])
    normalized = normalized[:MAX_QUERY_CHARS]
    parts = normalized.split()[:MAX_QUERY_PARTS]
    clauses = [c for c in (_part_clause(p, plan) for p in parts) if c is not None]
    if not clauses:
        return None, plan
    required = Q.And(clauses) if len(clauses) > 1 else clauses[0]
    if len(parts) > 1:
        whole_pinyin = _pinyin_clause(" ".join(parts), plan)
        if whole_pinyin is not None:
            required = Q.Or([required, whole_pinyin])
    ranking = _ranking_clause(" ".join(parts))
    return (Q.AndMaybe(required, ranking) if ranking else required), plan


def _filter_query(allowed_course_ids, course_id, kinds, lesson_kind) -> Q.Query | None:
    filters = []
    if allowed_course_ids is not None:
        filters.append(Q.Or([Q.Term("course_id", str(c)) for c in allowed_course_ids]))
    if course_id is not None:
        filters.append(Q.Term("course_id", str(course_id)))
    if kinds:
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        filters.append(Q.Or([Q.Term("kind", k) for k in kinds]))
    if lesson_kind:
        filters.append(Q.Term("lesson_kind", str(lesson_kind)))
    if not filters:
        return None
    return Q.And(filters) if len(filters) > 1 else filters[0]


# --------------------------------------------------------------------------
# Highlighting from stored character offsets
# --------------------------------------------------------------------------


def _occurrences(searcher, docnum, fieldname, term) -> list[tuple[int, int, int]]:
    """(position, startchar, endchar) of a term in one document."""
    try:
        m = searcher.postings(fieldname, term)
    except TermNotFound:
        return []
    m.skip_to(docnum)
    if not m.is_active() or m.id() != docnum:
        return []
    return list(m.value_as("characters"))


def _spans(searcher, hit, plan: _Plan, bigram_field: str, pinyin_field: str):
    spans = []
    for fieldname, words in plan.phrases:
        if fieldname != bigram_field:
            continue
        spans += _phrase_spans(searcher, hit.docnum, fieldname, words)
    for fieldname, prefix in plan.prefixes:
        if fieldname != bigram_field:
            continue
        for fname, term in hit.matched_terms():
            term = term.decode("utf-8") if isinstance(term, bytes) else term
            if fname == fieldname and term.startswith(prefix):
                spans += [(s, s + 1) for _, s, _ in _occurrences(searcher, hit.docnum, fname, term)]
    if not spans and pinyin_field:
        for syllables in plan.pinyin:
            spans += _phrase_spans(searcher, hit.docnum, pinyin_field, syllables)
    return _merge(spans)


def _phrase_spans(searcher, docnum, fieldname, words) -> list[tuple[int, int]]:
    """Spans where ``words`` occur at consecutive positions."""
    where = {w: {p: (s, e) for p, s, e in _occurrences(searcher, docnum, fieldname, w)}
             for w in set(words)}
    spans = []
    for pos, (start, _) in where[words[0]].items():
        found = [where[w].get(pos + k) for k, w in enumerate(words)]
        if all(found):
            spans.append((start, found[-1][1]))
    return spans


def _merge(spans):
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [tuple(s) for s in merged]


def _tidy(text: str) -> str:
    return re.sub(r"\s+", " ", html.escape(text, quote=False))


def render_marked(text: str, spans, start: int = 0, end: int | None = None) -> str:
    """Escaped ``text[start:end]`` with ``<mark>`` around the spans."""
    end = len(text) if end is None else end
    out, cursor = [], start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e or s < cursor:
            continue
        out.append(_tidy(text[cursor:s]))
        out.append(f"<mark>{html.escape(text[s:e], quote=False)}</mark>")
        cursor = e
    out.append(_tidy(text[cursor:end]))
    return "".join(out)


def make_snippet(text: str, spans, width: int = SNIPPET_CHARS) -> str:
    """A window of about ``width`` characters around the densest matches."""
    if not text:
        return ""
    spans = spans[:MAX_SNIPPET_SPANS]
    if not spans:
        cut = text[:width]
        return _tidy(cut) + ("…" if len(text) > width else "")
    best = max(range(len(spans)),
               key=lambda i: (sum(1 for s, _ in spans if spans[i][0] <= s < spans[i][0] + width), -i))
    start = max(0, spans[best][0] - SNIPPET_CONTEXT)
    end = min(len(text), start + width)
    html_out = render_marked(text, spans, start, end)
    return ("…" if start > 0 else "") + html_out.strip() + ("…" if end < len(text) else "")


# --------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------


@dataclass
class SearchHit:
    doc_id: str
    kind: str
    course_id: int | None
    lesson_id: int | None
    lesson_kind: str | None
    title: str
    title_html: str
    url: str
    start_seconds: float | None
    snippet: str
    score: float


@dataclass
class SearchResults:
    query: str
    total: int
    page: int
    pagelen: int
    hits: list[SearchHit]
    suggestion: str | None = None

    @property
    def page_count(self) -> int:
        return (self.total + self.pagelen - 1) // self.pagelen


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _make_hit(searcher, hit, plan: _Plan) -> SearchHit:
    stored = hit.fields()
    title = stored.get("title", "")
    body = stored.get("body", "")
    title_spans = _spans(searcher, hit, plan, "title_bigram", "title_pinyin")
    body_spans = _spans(searcher, hit, plan, "body_bigram", "")
    return SearchHit(
        doc_id=stored["doc_id"], kind=stored.get("kind", ""),
        course_id=_as_int(stored.get("course_id")),
        lesson_id=_as_int(stored.get("lesson_id")),
        lesson_kind=stored.get("lesson_kind"),
        title=title, title_html=render_marked(title, title_spans),
        url=stored.get("url", ""), start_seconds=stored.get("start_seconds"),
        snippet=make_snippet(body, body_spans), score=float(hit.score or 0.0),
    )


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
    means no restriction; an empty iterable means nothing is visible."""
    page = min(max(_as_int(page) or 1, 1), MAX_PAGE)
    pagelen = min(max(_as_int(pagelen) or 10, 1), MAX_PAGELEN)
    empty = SearchResults(query_text or "", 0, page, pagelen, [])
    if allowed_course_ids is not None:
        allowed_course_ids = list(allowed_course_ids)
        if not allowed_course_ids:
            return empty
    q, plan = build_query(query_text or "")
    if q is None:
        return empty
    filter_q = _filter_query(allowed_course_ids, course_id, kinds, lesson_kind)
    with _searcher_for(ix_or_searcher) as searcher:
        results = searcher.search(q, limit=page * pagelen, filter=filter_q, terms=True)
        total = len(results)
        window = results[(page - 1) * pagelen: page * pagelen]
        hits = [_make_hit(searcher, h, plan) for h in window]
        suggestion = None
        if total == 0 and suggest:
            suggestion = _suggest(searcher, query_text, filter_q, allowed_course_ids,
                                  course_id, kinds, lesson_kind)
    return SearchResults(query_text or "", total, page, pagelen, hits, suggestion)


# --------------------------------------------------------------------------
# "Did you mean"
# --------------------------------------------------------------------------


def _homophone_fix(searcher, run: str, filter_q) -> str | None:
    """A title substring that sounds like ``run`` (党健 → 党建)."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(run, style=Style.NORMAL, errors="ignore")
    if len(syllables) < 2 or len(syllables) != len(run):
        return None
    results = searcher.search(_phrase("title_pinyin", syllables), limit=1, filter=filter_q)
    if not len(results):
        return None
    hit = results[0]
    spans = _phrase_spans(searcher, hit.docnum, "title_pinyin", syllables)
    if not spans:
        return None
    start, end = spans[0]
    return normalize_for_search(hit["title"][start:end])


def _spelling_fix(searcher, word: str) -> str:
    """Closest indexed word for a Latin word that matches nothing."""
    if any(searcher.doc_frequency(f, word) for f in _BIGRAM_FIELDS):
        return word
    options = searcher.suggest("body_bigram", word, limit=1, maxdist=2, prefix=1)
    return options[0] if options else word


def _suggest(searcher, query_text, filter_q, *search_args) -> str | None:
    normalized = normalize_for_search((query_text or "")[:MAX_QUERY_CHARS])
    parts = normalized.split()[:MAX_QUERY_PARTS]
    fixed_parts = []
    for part in parts:
        for match in RUN_RE.finditer(part):
            if match.group(1):
                run = han_chars_of_run(match.group(1))
                fix = _homophone_fix(searcher, run, filter_q)
                if fix and fix != run:
                    part = part.replace(run, fix, 1)
            elif len(match.group(2)) >= 3:
                part = part.replace(match.group(2), _spelling_fix(searcher, match.group(2)), 1)
        fixed_parts.append(part)
    normalized, changed = " ".join(parts), " ".join(fixed_parts)
    if changed == normalized:
        return None
    allowed, course_id, kinds, lesson_kind = search_args
    check = search(searcher, changed, allowed_course_ids=allowed, course_id=course_id,
                   kinds=kinds, lesson_kind=lesson_kind, pagelen=1, suggest=False)
    return changed if check.total else None


# --------------------------------------------------------------------------
# Searcher reuse
# --------------------------------------------------------------------------


@dataclass
class _ThreadSearcher:
    pid: int
    searcher: Searcher | None = None
    generation: int | None = None
    depth: int = 0


class SearcherCache:
    """Reusable searchers: one per thread, reopened only when the index changed.

    Why per thread: a Whoosh searcher is not thread-safe – measured here,
    four threads searching one shared searcher fail with zlib and unpickling
    errors, as its readers share file positions.  Why not
    ``searcher.refresh()``: in whoosh-reloaded 2.7.5 it re-adds the old
    segments after a merge (duplicate hits, then a crash reading stored
    fields).  Checking for a change costs one directory listing; opening
    happens once per thread per index change.  Safe across gunicorn forks:
    a child never touches the parent's searchers.
    """

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        self._ix = None
        self._ix_pid = None
        self._local = threading.local()

    def _index(self):
        with self._lock:
            if self._ix is None or self._ix_pid != os.getpid():
                self._ix = ensure_index(self.path)
                self._ix_pid = os.getpid()
            return self._ix

    def _state(self) -> _ThreadSearcher:
        state = getattr(self._local, "state", None)
        if state is None or state.pid != os.getpid():
            state = self._local.state = _ThreadSearcher(pid=os.getpid())
        return state

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """The calling thread's searcher; nested uses share it."""
        state = self._state()
        if state.depth == 0:
            ix = self._index()
            generation = ix.latest_generation()
            if state.searcher is None or generation != state.generation:
                if state.searcher is not None:
                    state.searcher.close()
                state.searcher, state.generation = ix.searcher(), generation
        state.depth += 1
        try:
            yield state.searcher
        finally:
            state.depth -= 1

    def search(self, query_text: str, **kwargs) -> SearchResults:
        with self.searcher() as s:
            return search(s, query_text, **kwargs)

    def close(self) -> None:
        """Close the calling thread's searcher (others close on thread exit)."""
        state = self._state()
        if state.searcher is not None and state.depth == 0:
            state.searcher.close()
            state.searcher = state.generation = None
