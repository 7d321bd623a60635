"""Turning what a user typed into a Whoosh query (no QueryParser: no input can raise).

The normalised query is split on whitespace; every part is required.  Inside a
part each Han run must occur as a phrase of character bigrams in title_bigram,
body_bigram or tags (every document containing the substring is found); other
words must occur as whole tokens.  A part that is pinyin may instead match a
syllable phrase in title_pinyin/tags_pinyin.  jieba words of the query are
optional scoring clauses on title/body, so a document with the real word 党建
outranks one with 政党建立.
"""
from __future__ import annotations

from whoosh import query as Q

from mooc.core.textnorm import normalize_for_search
from mooc.search.analysis import (
    RUN_RE,
    ChineseWordTokenizer,
    han_chars_of_run,
    pinyin_segmentations,
)
from mooc.search.highlight import Needles
from mooc.search.phrase import ExactPhrase

MAX_QUERY_CHARS = 100     # longer queries are truncated: a phrase of 100 bigrams is plenty
MAX_QUERY_PARTS = 8
BIGRAM_FIELDS = ("title_bigram", "body_bigram", "tags")
PINYIN_FIELDS = ("title_pinyin", "tags_pinyin")


def query_parts(query_text: str) -> list[str]:
    normalized = normalize_for_search((query_text or "")[: MAX_QUERY_CHARS * 4])
    return normalized[:MAX_QUERY_CHARS].split()[:MAX_QUERY_PARTS]


def phrase(fieldname: str, words) -> Q.Query:
    words = list(words)
    if len(words) == 1:
        return Q.Term(fieldname, words[0])
    return ExactPhrase(fieldname, words)


def _pinyin_clause(text: str, needles: Needles) -> Q.Query | None:
    # Two letters ("me", "he") are more likely English than pinyin.
    if len(text.replace(" ", "")) < 3:
        return None
    options = pinyin_segmentations(text, limit=3)
    clauses = []
    for syllables in options:
        clauses += [phrase(f, syllables) for f in PINYIN_FIELDS]
        needles.pinyin.append(tuple(syllables))
    return Q.Or(clauses) if clauses else None


def _part_clause(part: str, needles: Needles) -> Q.Query | None:
    segments = []
    for match in RUN_RE.finditer(part):
        if match.group(2):
            word = match.group(2)
            segments.append(Q.Or([Q.Term(f, word) for f in BIGRAM_FIELDS]))
            needles.words.add(word)
            continue
        chars = han_chars_of_run(match.group(1))
        needles.han.add(chars)
        if len(chars) == 1:
            # Every indexed character starts some token (see CJKBigramTokenizer).
            segments.append(Q.Or([Q.Prefix(f, chars) for f in BIGRAM_FIELDS]))
            continue
        grams = [chars[i:i + 2] for i in range(len(chars) - 1)]
        segments.append(Q.Or([phrase(f, grams) for f in BIGRAM_FIELDS]))
    clause = Q.And(segments) if segments else None
    pinyin = _pinyin_clause(part, needles)
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


def build_query(query_text: str) -> tuple[Q.Query | None, Needles]:
    """The Whoosh query for user input (None when nothing is searchable) and
    the needles to highlight in its hits."""
    needles = Needles()
    parts = query_parts(query_text)
    clauses = [c for c in (_part_clause(p, needles) for p in parts) if c is not None]
    if not clauses:
        return None, needles
    required = Q.And(clauses) if len(clauses) > 1 else clauses[0]
    if len(parts) > 1:
        whole_pinyin = _pinyin_clause(" ".join(parts), needles)
        if whole_pinyin is not None:
            required = Q.Or([required, whole_pinyin])
    ranking = _ranking_clause(" ".join(parts))
    return (Q.AndMaybe(required, ranking) if ranking else required), needles


def filter_query(allowed_course_ids, course_id, kinds, lesson_kind) -> Q.Query | None:
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
