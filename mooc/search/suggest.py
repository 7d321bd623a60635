"""“您是不是要找”: a corrected query when the original found nothing.

Homophones are the common slip with pinyin input (党健 for 党建): a title
substring that reads the same is offered.  A Latin word is replaced by the
closest indexed word.  A suggestion is only offered when it finds something
the user may see.
"""
from __future__ import annotations

from mooc.core.textnorm import normalize_for_search
from mooc.search.analysis import RUN_RE, han_chars_of_run
from mooc.search.highlight import pinyin_spans
from mooc.search.query import BIGRAM_FIELDS, phrase, query_parts


def _homophone_fix(run: str, first_title) -> str | None:
    """A title substring that sounds like ``run`` (党健 → 党建), from a title the
    user may see (``first_title(query)`` applies the user's filter)."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(run, style=Style.NORMAL, errors="ignore")
    if len(syllables) < 2 or len(syllables) != len(run):
        return None
    title = first_title(phrase("title_pinyin", syllables, boost=1.0))
    if not title:
        return None
    spans = pinyin_spans(title, [tuple(syllables)])
    if not spans:
        return None
    start, end = spans[0]
    return normalize_for_search(title[start:end])


def _spelling_fix(searcher, word: str) -> str:
    """Closest indexed word for a Latin word that matches nothing."""
    if any(searcher.doc_frequency(f, word) for f in BIGRAM_FIELDS):
        return word
    options = searcher.suggest("body_bigram", word, limit=1, maxdist=2, prefix=1)
    return options[0] if options else word


def corrected_query(searcher, query_text: str, first_title, finds_something) -> str | None:
    """The corrected query, if it differs and ``finds_something(text)``; both
    callables search only what the user may see."""
    parts = query_parts(query_text)
    fixed_parts = []
    for part in parts:
        for match in RUN_RE.finditer(part):
            if match.group(1):
                run = han_chars_of_run(match.group(1))
                fix = _homophone_fix(run, first_title)
                if fix and fix != run:
                    part = part.replace(run, fix, 1)
            elif len(match.group(2)) >= 3:
                part = part.replace(match.group(2), _spelling_fix(searcher, match.group(2)), 1)
        fixed_parts.append(part)
    original, changed = " ".join(parts), " ".join(fixed_parts)
    if changed == original:
        return None
    return changed if finds_something(changed) else None
