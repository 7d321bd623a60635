"""Running a compiled query against a searcher: top hits, totals, permission filters.

Every function takes the permission/facet filter and applies it inside the
collector, so nothing a user may not see is ever counted, suggested or returned.
Filters are turned into doc-number sets once per searcher and reused (the same
few visibility classes – everyone, a branch's members – ask most queries).
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from whoosh import collectors

FILTER_CACHE_SIZE = 32


@dataclass
class Found:
    total: int
    page: list = field(default_factory=list)     # [(stored fields, score)]
    estimated: bool = False


def filter_bits(searcher, filter_q):
    """The doc numbers passing ``filter_q``, cached on the searcher (a searcher
    never changes: a new index generation gets a new searcher)."""
    if filter_q is None:
        return None
    cache = getattr(searcher, "_mooc_filters", None)
    if cache is None:
        cache = searcher._mooc_filters = OrderedDict()
    key = repr(filter_q)
    bits = cache.get(key)
    if bits is None:
        bits = searcher._filter_to_comb(filter_q)
        cache[key] = bits
        while len(cache) > FILTER_CACHE_SIZE:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return bits


def _collect(searcher, q, filter_q, limit):
    """Whoosh Results of the top ``limit`` permitted matches, or () when the
    filter passes nothing – Whoosh's FilterCollector treats an empty set as
    "no filter", which once let suggestions read titles the user may not see."""
    bits = filter_bits(searcher, filter_q)
    if bits is not None and not bits:
        return ()
    collector = collectors.TopCollector(limit, usequality=False, replace=0)
    if bits is not None:
        collector = collectors.FilterCollector(collector, bits)
    searcher.search_with_collector(q, collector)
    return collector.results()


def top(searcher, q, compiled, filter_q, page, pagelen) -> Found:
    """The page's (stored, score) pairs and the number of permitted matches."""
    results = _collect(searcher, q, filter_q, page * pagelen)
    window = results[(page - 1) * pagelen: page * pagelen]
    return Found(len(results), [(hit.fields(), hit.score) for hit in window])


def exists(searcher, q, filter_q) -> bool:
    return len(_collect(searcher, q, filter_q, 1)) > 0


def first_stored(searcher, q, filter_q, fieldname):
    """A stored field of the best permitted match, or None."""
    results = _collect(searcher, q, filter_q, 1)
    return results[0].get(fieldname) if len(results) else None
