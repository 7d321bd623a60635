"""Turning what a user typed into a Whoosh query (no QueryParser: no input can raise).

The normalised query is split on whitespace; every part is required (`required`),
and when that finds nothing the engine falls back to any part (`any_part`, shown as
a partial match).  Inside a part each Han run must occur as a phrase of character
bigrams in title_bigram, body_bigram or tags (every document containing the
substring is found); other words must occur as whole tokens.  A part with an
ordinal is also searched with the other numeral style (第53条 ↔ 第五十三条).  A part
that is pinyin may instead match a syllable phrase in title_pinyin/tags_pinyin or a
whole word's pinyin in body_pinyin.  jieba words of the query are optional scoring
clauses on title/body, so a document with the real word 党建 outranks one with
政党建立.

Tags hold the course title copied into every lesson: a match there is boosted
down (TAGS_BOOST), so a lesson that says 党建 in its own title or text ranks above
the lessons that only belong to a course called 党建….
"""
from __future__ import annotations

from dataclasses import dataclass

from whoosh import query as Q

from mooc.core.textnorm import normalize_for_search
from mooc.search.analysis import (
    RUN_RE,
    ChineseWordTokenizer,
    han_chars_of_run,
    pinyin_segmentations,
)
from mooc.search.highlight import Needles
from mooc.search.numerals import numeral_variants
from mooc.search.phrase import ExactPhrase

MAX_QUERY_CHARS = 100     # longer queries are truncated: a phrase of 100 bigrams is plenty
MAX_QUERY_PARTS = 8
BIGRAM_FIELDS = ("title_bigram", "body_bigram", "tags")
PINYIN_FIELDS = ("title_pinyin", "tags_pinyin")
TAGS_BOOST = 0.05
_BOOST = {"tags": TAGS_BOOST, "tags_pinyin": TAGS_BOOST}


@dataclass
class CompiledQuery:
    required: Q.Query | None        # every part must match
    any_part: Q.Query | None        # some part matches (None for a one-part query)
    ranking: Q.Query | None         # optional scoring words
    needles: Needles

    def _ranked(self, q):
        if q is None:
            return None
        return Q.AndMaybe(q, self.ranking) if self.ranking is not None else q

    @property
    def strict(self) -> Q.Query | None:
        return self._ranked(self.required)

    @property
    def loose(self) -> Q.Query | None:
        return self._ranked(self.any_part)


def query_parts(query_text: str) -> list[str]:
    normalized = normalize_for_search((query_text or "")[: MAX_QUERY_CHARS * 4])
    return normalized[:MAX_QUERY_CHARS].split()[:MAX_QUERY_PARTS]


def phrase(fieldname: str, words, boost: float | None = None) -> Q.Query:
    words = list(words)
    boost = _BOOST.get(fieldname, 1.0) if boost is None else boost
    if len(words) == 1:
        return Q.Term(fieldname, words[0], boost=boost)
    return ExactPhrase(fieldname, words, boost=boost)


def _pinyin_clause(text: str, needles: Needles) -> Q.Query | None:
    # Two letters ("me", "he") are more likely English than pinyin.
    if len(text.replace(" ", "")) < 3:
        return None
    options = pinyin_segmentations(text, limit=3)
    clauses = []
    for syllables in options:
        clauses += [phrase(f, syllables) for f in PINYIN_FIELDS]
        needles.pinyin.append(tuple(syllables))
    if options:
        # One body word read as a whole (dangzuzhi → 党组织); see PinyinWordTokenizer.
        clauses.append(Q.Term("body_pinyin", "".join(options[0])))
    return Q.Or(clauses) if clauses else None


def _text_clause(part: str, needles: Needles) -> Q.Query | None:
    segments = []
    for match in RUN_RE.finditer(part):
        if match.group(2):
            word = match.group(2)
            segments.append(Q.Or([phrase(f, [word]) for f in BIGRAM_FIELDS]))
            needles.words.add(word)
            continue
        chars = han_chars_of_run(match.group(1))
        needles.han.add(chars)
        if len(chars) == 1:
            # Every indexed character starts some token (see CJKBigramTokenizer).
            segments.append(Q.Or([Q.Prefix(f, chars, boost=_BOOST.get(f, 1.0))
                                  for f in BIGRAM_FIELDS]))
            continue
        grams = [chars[i:i + 2] for i in range(len(chars) - 1)]
        segments.append(Q.Or([phrase(f, grams) for f in BIGRAM_FIELDS]))
    if not segments:
        return None
    return Q.And(segments) if len(segments) > 1 else segments[0]


def _part_clause(part: str, needles: Needles) -> Q.Query | None:
    clauses = [c for c in (_text_clause(v, needles) for v in numeral_variants(part))
               if c is not None]
    pinyin = _pinyin_clause(part, needles)
    if pinyin is not None:
        clauses.append(pinyin)
    if not clauses:
        return None
    return Q.Or(clauses) if len(clauses) > 1 else clauses[0]


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


def build_query(query_text: str) -> CompiledQuery:
    """The Whoosh queries for user input (``required`` is None when nothing is
    searchable) and the needles to highlight in their hits."""
    needles = Needles()
    parts = query_parts(query_text)
    clauses = [c for c in (_part_clause(p, needles) for p in parts) if c is not None]
    if not clauses:
        return CompiledQuery(None, None, None, needles)
    required = Q.And(clauses) if len(clauses) > 1 else clauses[0]
    any_part = Q.Or(clauses) if len(clauses) > 1 else None
    if len(parts) > 1:
        whole_pinyin = _pinyin_clause(" ".join(parts), needles)
        if whole_pinyin is not None:
            required = Q.Or([required, whole_pinyin])
    return CompiledQuery(required, any_part, _ranking_clause(" ".join(parts)), needles)


NOTHING = Q.NullQuery


def filter_query(allowed_course_ids, course_id, kinds, lesson_kind) -> Q.Query | None:
    """The permission and facet filter; ``NOTHING`` when no document can pass
    (a course outside the allowed ones), so the caller skips searching."""
    filters = []
    if allowed_course_ids is not None:
        allowed = {str(c) for c in allowed_course_ids}
        if not allowed or (course_id is not None and str(course_id) not in allowed):
            return NOTHING
        if course_id is None:
            filters.append(Q.Or([Q.Term("course_id", c) for c in sorted(allowed)]))
    if course_id is not None:
        filters.append(Q.Term("course_id", str(course_id)))
    if kinds:
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        filters.append(Q.Or([Q.Term("kind", str(k)) for k in kinds]))
    if lesson_kind:
        filters.append(Q.Term("lesson_kind", str(lesson_kind)))
    if not filters:
        return None
    return Q.And(filters) if len(filters) > 1 else filters[0]
