"""Searchers and results reused across requests, per thread and per process."""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from whoosh.searching import Searcher

from mooc.search.engine import SearchResults, ensure_index, search

RESULT_CACHE_SIZE = 256   # per process; keyed by index generation, so never stale


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

    Results are kept in a small per-process LRU keyed by the index generation
    (so a commit makes every entry unreachable): the same few queries – a
    new course's title, 党章 before a study session – come from many members
    at once.  Treat returned results as read-only.
    """

    def __init__(self, path: str, result_cache_size: int = RESULT_CACHE_SIZE):
        self.path = path
        self._lock = threading.Lock()
        self._ix = None
        self._ix_pid = None
        self._local = threading.local()
        self._results: OrderedDict = OrderedDict()
        self._result_cache_size = result_cache_size

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
            key = self._result_key(query_text, kwargs)
            if key is None:
                return search(s, query_text, **kwargs)
            with self._lock:
                cached = self._results.get(key)
                if cached is not None:
                    self._results.move_to_end(key)
                    return cached
            results = search(s, query_text, **kwargs)
            with self._lock:
                self._results[key] = results
                while len(self._results) > self._result_cache_size:
                    self._results.popitem(last=False)
            return results

    _CACHEABLE = {"allowed_course_ids", "course_id", "kinds", "lesson_kind", "page",
                  "pagelen", "suggest"}

    def _result_key(self, query_text, kwargs):
        if not self._result_cache_size or set(kwargs) - self._CACHEABLE:
            return None
        kinds = kwargs.get("kinds")
        try:
            allowed = kwargs.get("allowed_course_ids")
            if allowed is not None:
                # frozenset: the same courses in another order are the same search
                kwargs["allowed_course_ids"] = allowed = frozenset(allowed)
            key = (os.getpid(), self._state().generation, query_text, allowed,
                   kwargs.get("course_id"),
                   (kinds,) if isinstance(kinds, str) else tuple(kinds or ()),
                   kwargs.get("lesson_kind"), kwargs.get("page", 1),
                   kwargs.get("pagelen", 10), kwargs.get("suggest", True))
            hash(key)
        except TypeError:       # an unhashable argument: just don't cache
            return None
        return key

    def close(self) -> None:
        """Close the calling thread's searcher (others close on thread exit)."""
        state = self._state()
        if state.searcher is not None and state.depth == 0:
            state.searcher.close()
            state.searcher = state.generation = None
