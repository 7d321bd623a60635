"""Running a compiled query against a searcher: top hits, totals, permission filters.

Every function takes the permission/facet filter and applies it inside the
collector, so nothing a user may not see is ever counted, suggested or returned.
Filters are turned into doc-number sets once per searcher and reused (the same
few visibility classes – everyone, a branch's members – ask most queries).

Why not just run the query: a Han run of three or more characters is a phrase of
bigrams, and Whoosh checks positions for every candidate and scores every match
(Chinese party texts are dense: 党建 is in most documents), so the cost grew with
the number of matches.  Instead (`top`):

1. candidates – the documents with every bigram of every phrase (no positions) –
   are counted with set operations on posting lists;
2. the top of the *relaxed* query (phrases as bigram terms ANDed) is collected with
   Whoosh's block-quality skipping, which needs only the best few;
3. only those are phrase-checked with the exact query; if too few pass, more are
   fetched, and in the end the exact query runs as before.

The total is exact when the query has no phrase, or when few candidates need
checking; otherwise it is the candidates scaled by the share of checked candidates
that really matched, shown as "约 N 条" (``estimated``).
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from whoosh import collectors
from whoosh import query as Q

from mooc.search.phrase import ExactPhrase

FILTER_CACHE_SIZE = 16
EXACT_CHECK_LIMIT = 300     # phrase-check every candidate up to this many: exact total
FETCH_ROUNDS = 3            # relaxed top-K fetches (K × 4 each) before the exact query


@dataclass
class Found:
    total: int
    page: list = field(default_factory=list)     # [(stored fields, score)]
    estimated: bool = False


def filter_set(searcher, filter_q):
    """The doc numbers passing ``filter_q`` as a frozenset, cached on the searcher
    (a searcher never changes: a new index generation gets a new searcher)."""
    if filter_q is None:
        return None
    cache = getattr(searcher, "_mooc_filters", None)
    if cache is None:
        cache = searcher._mooc_filters = OrderedDict()
    key = repr(filter_q)
    docs = cache.get(key)
    if docs is None:
        docs = cache[key] = frozenset(searcher.docs_for_query(filter_q))
        while len(cache) > FILTER_CACHE_SIZE:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return docs


# --------------------------------------------------------------------------- queries

class TreeOr(Q.Or):
    """Or as a tree of union matchers, which can skip blocks by quality.  (Whoosh
    picks an array matcher – which scores every match – for three or more clauses
    on an index of up to 5,000 documents.)"""

    matcher_type = Q.Or.DEFAULT_MATCHER


def relaxed(q):
    """``q`` with every ExactPhrase replaced by its words ANDed (no positions)."""
    if isinstance(q, ExactPhrase):
        return Q.And([Q.Term(q.fieldname, w, boost=q.boost) for w in q.words])
    if isinstance(q, Q.AndMaybe):
        return Q.AndMaybe(relaxed(q.a), relaxed(q.b))
    if isinstance(q, Q.And):
        return Q.And([relaxed(c) for c in q.subqueries], boost=q.boost)
    if isinstance(q, Q.Or):
        return TreeOr([relaxed(c) for c in q.subqueries], boost=q.boost)
    return q


def has_phrase(q) -> bool:
    if isinstance(q, ExactPhrase):
        return True
    return any(has_phrase(c) for c in getattr(q, "subqueries", ()) or
               ([q.a, q.b] if isinstance(q, Q.AndMaybe) else []))


def _term_ids(searcher, fieldname, text) -> set:
    reader = searcher.reader()
    if fieldname not in searcher.schema:
        return set()
    try:
        btext = searcher.schema[fieldname].to_bytes(text)
    except ValueError:
        return set()
    if (fieldname, btext) not in reader:
        return set()
    return set(Q.Term(fieldname, text).matcher(searcher).all_ids())


def candidate_ids(searcher, q) -> set:
    """Documents matching ``q`` with phrases relaxed to their words (set operations)."""
    if isinstance(q, Q.Term):
        return _term_ids(searcher, q.fieldname, q.text)
    if isinstance(q, ExactPhrase):
        return candidate_ids(searcher, relaxed(q))
    if isinstance(q, Q.AndMaybe):
        return candidate_ids(searcher, q.a)
    if isinstance(q, Q.And):
        out = None
        for sub in q.subqueries:
            ids = candidate_ids(searcher, sub)
            out = ids if out is None else out & ids
            if not out:
                return set()
        return out or set()
    if isinstance(q, Q.Or):
        out = set()
        for sub in q.subqueries:
            out |= candidate_ids(searcher, sub)
        return out
    if q is Q.NullQuery or isinstance(q, type(Q.NullQuery)):
        return set()
    return set(q.docs(searcher))       # Prefix and anything else: Whoosh's own


# --------------------------------------------------------------------------- collecting

def _collect(searcher, q, allow, limit, usequality=False):
    # replace=0 without quality: replacing matchers drops documents below the current
    # minimum score, so the collector's count would be wrong.
    collector = collectors.TopCollector(limit, usequality=usequality,
                                        **({} if usequality else {"replace": 0}))
    if allow is not None:
        # Whoosh accepts a set (not a frozenset) as a filter.
        collector = collectors.FilterCollector(collector, set(allow))
    searcher.search_with_collector(q, collector)
    return collector.results()


def _verified(searcher, required, docnums) -> set:
    """Which of ``docnums`` the exact query (phrases checked) matches."""
    matcher = required.matcher(searcher)
    ok = set()
    for docnum in sorted(docnums):
        if not matcher.is_active():
            break
        if matcher.id() < docnum:
            matcher.skip_to(docnum)
            if not matcher.is_active():
                break
        if matcher.id() == docnum:
            ok.add(docnum)
    return ok


def _stored(searcher, pairs):
    return [(searcher.stored_fields(docnum), score) for score, docnum in pairs]


def top(searcher, q, required, filter_q, page, pagelen) -> Found:
    """The page's (stored, score) pairs and the number of permitted matches.

    ``q`` is the ranked query, ``required`` its matching part."""
    allow = filter_set(searcher, filter_q)
    if allow is not None and not allow:
        # Whoosh's FilterCollector would treat an empty set as "no filter".
        return Found(0)
    candidates = candidate_ids(searcher, required)
    if allow is not None:
        candidates &= allow
    if not candidates:
        return Found(0)
    need, start = page * pagelen, (page - 1) * pagelen
    phrase = has_phrase(required)
    if phrase and len(candidates) <= EXACT_CHECK_LIMIT:
        candidates = _verified(searcher, required, candidates)
        if not candidates:
            return Found(0)
        phrase = False
    total, estimated = len(candidates), False
    if not phrase:
        results = _collect(searcher, relaxed(q), candidates, need, usequality=True)
        pairs = list(results.top_n)[start:need]
        return Found(total, _stored(searcher, pairs))
    fast = relaxed(q)
    limit = need * 3 + 20
    for _ in range(FETCH_ROUNDS):
        pairs = list(_collect(searcher, fast, candidates, limit,
                              usequality=True).top_n)
        ok = _verified(searcher, required, [d for _, d in pairs])
        kept = [(s, d) for s, d in pairs if d in ok]
        if len(kept) >= need or len(pairs) < limit:
            break
        limit *= 4
    else:
        results = _collect(searcher, q, allow, need)
        return Found(len(results), _stored(searcher, results.top_n[start:need]))
    if len(pairs) < limit:            # every candidate was checked: exact
        return Found(len(kept), _stored(searcher, kept[start:need]))
    share = len(ok) / len(pairs)
    total = max(len(kept), _round(len(candidates) * share))
    return Found(total, _stored(searcher, kept[start:need]), estimated=True)


def _round(n: float) -> int:
    """Two significant figures: an estimate should not look exact."""
    n = int(n)
    if n < 100:
        return n
    scale = 10 ** (len(str(n)) - 2)
    return round(n / scale) * scale


def exists(searcher, q, filter_q) -> bool:
    return bool(top(searcher, q, q, filter_q, 1, 1).page)


def first_stored(searcher, q, filter_q, fieldname):
    """A stored field of the best permitted match, or None."""
    found = top(searcher, q, q, filter_q, 1, 1)
    return found.page[0][0].get(fieldname) if found.page else None
