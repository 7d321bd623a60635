"""Highlighting a page of hits by scanning their stored text.

Why scan instead of reading character offsets from the index: storing offsets
(``chars=True``) on the bigram fields made every posting larger, slowed the
index build and every phrase check, yet only the ten hits on a page ever need
offsets.  Matching here follows the analyzers exactly: the text is normalised
with :func:`normalize_with_offsets` (so 互聯網 highlights for 互联网 and offsets
point into the original), a Han needle must lie inside one Han run (whitespace
between Han characters bridged, like the bigram tokenizer), and other words
match whole tokens.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from mooc.core.textnorm import normalize_with_offsets
from mooc.search.analysis import RUN_RE, PinyinTokenizer, han_positions

SNIPPET_CHARS = 120
SNIPPET_CONTEXT = 30
MAX_SPANS = 200              # bounds the work on long transcripts and attachments
SCAN_CHUNK = 20_000          # long texts are normalised a chunk at a time…
SCAN_LIMIT = 200_000         # …and only this far when nothing matched earlier
_OVERLAP = 200               # > MAX_QUERY_CHARS, so no match straddles a chunk edge unseen


@dataclass
class Needles:
    """What a query asks to find, in normalised form."""

    han: set[str] = field(default_factory=set)       # Han runs (one character or more)
    words: set[str] = field(default_factory=set)     # other whole words (abc123)
    pinyin: list[tuple[str, ...]] = field(default_factory=list)

    def __bool__(self):
        return bool(self.han or self.words or self.pinyin)


def _chunk_spans(text: str, offset: int, needles: Needles, spans: list) -> None:
    norm = normalize_with_offsets(text)
    for match in RUN_RE.finditer(norm.text):
        if len(spans) >= MAX_SPANS:
            return
        if match.group(2):
            if match.group(2) in needles.words:
                start, end = norm.source_span(match.start(), match.end())
                spans.append((offset + start, offset + end))
            continue
        idx = han_positions(match.group(1), match.start())
        chars = "".join(norm.text[i] for i in idx)
        for needle in needles.han:
            at = chars.find(needle)
            while at != -1 and len(spans) < MAX_SPANS:
                start, _ = norm.source_span(idx[at], idx[at] + 1)
                _, end = norm.source_span(idx[at + len(needle) - 1], idx[at + len(needle) - 1] + 1)
                spans.append((offset + start, offset + end))
                at = chars.find(needle, at + 1)


def text_spans(text: str, needles: Needles) -> list[tuple[int, int]]:
    """Merged (start, end) spans of ``text`` where the needles occur."""
    if not text or not (needles.han or needles.words):
        return []
    spans: list[tuple[int, int]] = []
    start = 0
    while start < min(len(text), SCAN_LIMIT) and not spans:
        end = start + SCAN_CHUNK
        _chunk_spans(text[start:end + _OVERLAP], start, needles, spans)
        start = end
    return merge(spans)


def pinyin_spans(text: str, syllable_runs) -> list[tuple[int, int]]:
    """Spans of ``text`` (a title) whose readings spell one of the syllable runs."""
    if not text or not syllable_runs:
        return []
    readings: dict[int, tuple[set, int, int]] = {}
    for token in PinyinTokenizer()(text, positions=True, chars=True):
        entry = readings.setdefault(token.pos, (set(), token.startchar, token.endchar))
        entry[0].add(token.text)
    spans = []
    for syllables in syllable_runs:
        for pos, (_, start, _) in readings.items():
            found = [readings.get(pos + k) for k in range(len(syllables))]
            if all(f and s in f[0] for f, s in zip(found, syllables)):
                spans.append((start, found[-1][2]))
    return merge(spans)


def merge(spans):
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
    spans = spans[:MAX_SPANS]
    if not spans:
        cut = text[:width]
        return _tidy(cut) + ("…" if len(text) > width else "")
    best = max(range(len(spans)),
               key=lambda i: (sum(1 for s, _ in spans if spans[i][0] <= s < spans[i][0] + width), -i))
    start = max(0, spans[best][0] - SNIPPET_CONTEXT)
    end = min(len(text), start + width)
    html_out = render_marked(text, spans, start, end)
    return ("…" if start > 0 else "") + html_out.strip() + ("…" if end < len(text) else "")


def title_html(title: str, needles: Needles) -> str:
    spans = text_spans(title, needles)
    if not spans and needles.pinyin:
        spans = pinyin_spans(title, needles.pinyin)
    return render_marked(title, spans)


def snippet_html(body: str, needles: Needles) -> str:
    return make_snippet(body, text_spans(body, needles))
