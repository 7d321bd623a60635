"""Whoosh analyzers for Chinese course content.

Whoosh pickles analyzer objects into the index schema, so the classes here
must stay at this module path, stay picklable (no jieba objects or compiled
state as attributes) and must not import ``jieba.analyse`` (~130 MB).

Every tokenizer first applies :func:`mooc.core.textnorm.normalize_with_offsets`
– the same normalisation used for queries – and reports ``startchar`` /
``endchar`` in the coordinates of the *original* text, so stored fields can
be highlighted from stored character offsets without re-analysis.

* :class:`ChineseWordTokenizer` – jieba ``cut_for_search`` words (ranking).
* :class:`CJKBigramTokenizer` – overlapping Han character bigrams (recall:
  every substring of two or more characters is a phrase of bigrams).
* :class:`PinyinTokenizer` – one toneless syllable per Han character (titles
  and tags), matched by a phrase of :func:`split_pinyin` syllables.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from functools import lru_cache

from whoosh.analysis import CompositeAnalyzer, Token, Tokenizer

from mooc.core.textnorm import (
    HAN_CLASS,
    PINYIN_SYLLABLES,
    han_readings,
    normalize_with_offsets,
)

USERDICT_PATH = os.path.join(os.path.dirname(__file__), "userdict.txt")

# Bump when tokenisation changes (code, normalisation or userdict.txt): the
# version is pickled into the index schema, so engine.schema_is_current()
# then reports that the index must be rebuilt.
ANALYSIS_VERSION = 2

# One document puts the same text through several fields (body → body and
# body_bigram; title → three fields): normalise each text once.
_normalize = lru_cache(maxsize=16)(normalize_with_offsets)

# A run of Han characters; whitespace between two Han characters (a line
# wrapped by Word, "中国共产\n党") does not break the run.
_HAN_RUN = f"[{HAN_CLASS}](?:[ \\t\\r\\n\u3000]*[{HAN_CLASS}])*"
# Letters/digits of any other script, kept as whole words.
_OTHER_WORD = f"(?:(?![{HAN_CLASS}])[^\\W_])+"
RUN_RE = re.compile(f"({_HAN_RUN})|({_OTHER_WORD})")
_HAN_CHAR_RE = re.compile(f"[{HAN_CLASS}]")
_WORDLIKE_RE = re.compile(r"[^\W_]")
_HAN_ONLY_RE = re.compile(f"^[{HAN_CLASS}]+$")

# --------------------------------------------------------------------------
# jieba
# --------------------------------------------------------------------------

_jieba_lock = threading.Lock()
_jieba_ready = False


def init_jieba(cache_dir: str | None = None) -> None:
    """Load jieba's dictionary and our user dictionary once per process.

    Costs ~1 s and ~95 MB, so call it at start-up (before gunicorn forks).
    ``cache_dir`` must be writable; jieba keeps its parsed dictionary there.
    Idempotent and thread-safe.
    """
    global _jieba_ready
    if _jieba_ready:
        return
    with _jieba_lock:
        if _jieba_ready:
            return
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.dt.tmp_dir = cache_dir or tempfile.gettempdir()
        jieba.initialize()
        jieba.load_userdict(USERDICT_PATH)
        _jieba_ready = True


# jieba cuts each run of these characters on its own (jieba.re_han_default); every
# other character is a token by itself.  Cutting run by run with a cache gives the same
# tokens, and the clauses of party texts repeat a lot (rebuilds spend a third of their
# time in jieba).
_JIEBA_BLOCK_RE = re.compile(r"[\u4e00-\u9fd5a-zA-Z0-9+#&._%\-]+")


@lru_cache(maxsize=50_000)
def _jieba_block(block: str) -> tuple:
    import jieba

    return tuple(jieba.tokenize(block, mode="search", HMM=True))


@lru_cache(maxsize=8)
def _jieba_search_tokens(text: str) -> tuple:
    """jieba search-mode (word, start, end) of a normalised text; cached because
    body and body_pinyin analyse the same text one after the other."""
    init_jieba()
    out, pos = [], 0
    for match in _JIEBA_BLOCK_RE.finditer(text):
        out.extend((text[i], i, i + 1) for i in range(pos, match.start())
                   if not text[i].isspace())
        start = match.start()
        out.extend((w, start + s, start + e) for w, s, e in _jieba_block(match.group()))
        pos = match.end()
    out.extend((text[i], i, i + 1) for i in range(pos, len(text)) if not text[i].isspace())
    return tuple(out)


# --------------------------------------------------------------------------
# Tokenizers
# --------------------------------------------------------------------------


def _emit(t: Token, text, pos, span, positions, chars, keeporiginal, start_pos, start_char):
    """Fill the (re-used) token the way Whoosh's own tokenizers do."""
    t.text = text
    t.boost = 1.0
    t.stopped = False
    if keeporiginal:
        t.original = text
    if positions:
        t.pos = start_pos + pos
    if chars:
        t.startchar = start_char + span[0]
        t.endchar = start_char + span[1]
    return t


class _NormalizingTokenizer(Tokenizer):
    """Shared plumbing: normalise, then let subclasses produce tokens.

    Subclasses implement ``_tokens(norm, mode)`` yielding
    ``(text, position, norm_start, norm_end)``.
    """

    def __init__(self):
        self.version = ANALYSIS_VERSION

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        norm = _normalize(value)
        if not tokenize:
            yield _emit(t, norm.text, 0, (0, len(value)), positions, chars,
                        keeporiginal, start_pos, start_char)
            return
        for text, pos, start, end in self._tokens(norm.text, mode):
            yield _emit(t, text, pos, norm.source_span(start, end), positions,
                        chars, keeporiginal, start_pos, start_char)

    def _tokens(self, text: str, mode: str):
        raise NotImplementedError


class ChineseWordTokenizer(_NormalizingTokenizer):
    """jieba search-mode words (sub-words of long words included).

    Latin words and numbers come through jieba as whole (lower-cased)
    tokens; punctuation and whitespace are dropped.
    """

    def _tokens(self, text, mode):
        pos = 0
        for word, start, end in _jieba_search_tokens(text):
            if _WORDLIKE_RE.search(word):
                yield word.strip(), pos, start, end
                pos += 1


def han_chars_of_run(run_text: str) -> str:
    """The Han characters of a RUN_RE run, without bridged whitespace."""
    return "".join(_HAN_CHAR_RE.findall(run_text))


def han_positions(run_text: str, run_start: int) -> list[int]:
    """Indices (in the whole text) of the Han characters of a run."""
    return [run_start + m.start() for m in _HAN_CHAR_RE.finditer(run_text)]


class CJKBigramTokenizer(_NormalizingTokenizer):
    """Overlapping Han bigrams; other words whole.

    A run of n ≥ 2 Han characters yields its n−1 bigrams.  At index time it
    also yields its last character alone, so every character starts some
    token and a one-character query can be answered with a prefix query.
    A lone Han character yields itself.  Query mode omits the trailing
    unigram so a phrase of query bigrams lines up with document positions.
    """

    def _tokens(self, text, mode):
        pos = 0
        for match in RUN_RE.finditer(text):
            if match.group(2):
                yield match.group(2), pos, match.start(), match.end()
                pos += 1
                continue
            idx = han_positions(match.group(1), match.start())
            if len(idx) == 1:
                yield text[idx[0]], pos, idx[0], idx[0] + 1
                pos += 1
                continue
            for a, b in zip(idx, idx[1:]):
                yield text[a] + text[b], pos, a, b + 1
                pos += 1
            if mode != "query":
                last = idx[-1]
                yield text[last], pos, last, last + 1
                pos += 1


def _run_syllables(chars: str) -> list[list[str]]:
    """Readings per Han character: the phrase-aware one first, then the
    character's other readings (so a polyphone still matches if pypinyin's
    disambiguation differs from what the user typed)."""
    from pypinyin import Style, lazy_pinyin

    primary = lazy_pinyin(chars, style=Style.NORMAL, errors="ignore")
    if len(primary) != len(chars):
        primary = [(lazy_pinyin(c, style=Style.NORMAL, errors="ignore") or [""])[0]
                   for c in chars]
    result = []
    for char, first in zip(chars, primary):
        readings = [first] if first else []
        readings += sorted(han_readings(char) - {first})[:3]
        result.append(readings or [char])
    return result


class PinyinTokenizer(_NormalizingTokenizer):
    """One toneless syllable per Han character (ü written v).

    Other words are kept whole.  A punctuation break between runs leaves a
    position gap so a phrase query doesn't match across "学习强国：党建".
    """

    def _tokens(self, text, mode):
        pos = 0
        prev_end = 0
        for match in RUN_RE.finditer(text):
            if pos and text[prev_end:match.start()].strip():
                pos += 1
            prev_end = match.end()
            if match.group(2):
                yield match.group(2), pos, match.start(), match.end()
                pos += 1
                continue
            idx = han_positions(match.group(1), match.start())
            for i, readings in zip(idx, _run_syllables("".join(text[i] for i in idx))):
                for reading in _with_u_spellings(readings):
                    yield reading, pos, i, i + 1
                pos += 1


def _with_u_spellings(readings):
    """lv (绿, 律) is also typed lu, nve (虐) nue: index both spellings."""
    out = list(readings)
    for reading in readings:
        if "v" in reading:
            plain = reading.replace("v", "u")
            if plain not in out:
                out.append(plain)
    return out


@lru_cache(maxsize=50_000)
def _word_pinyin(word: str) -> tuple[str, ...]:
    """A Han word's syllables joined ("dangzuzhi"), plus its u-for-ü spelling."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(word, style=Style.NORMAL, errors="ignore")
    if len(syllables) != len(word):
        return ()
    joined = "".join(syllables)
    plain = joined.replace("v", "u")
    return (joined,) if plain == joined else (joined, plain)


class PinyinWordTokenizer(_NormalizingTokenizer):
    """The pinyin of each jieba word, one token per word: `dangzuzhi` finds 党组织
    in lesson text.  Cheap (readings cached per word); a pinyin phrase of several
    words matches titles and tags through PinyinTokenizer instead."""

    def _tokens(self, text, mode):
        pos = 0
        for word, start, end in _jieba_search_tokens(text):
            if len(word) < 2 or not _HAN_ONLY_RE.match(word):
                continue
            for reading in _word_pinyin(word):
                yield reading, pos, start, end
            pos += 1


def ChineseAnalyzer() -> CompositeAnalyzer:
    return CompositeAnalyzer(ChineseWordTokenizer())


def BigramAnalyzer() -> CompositeAnalyzer:
    return CompositeAnalyzer(CJKBigramTokenizer())


def PinyinAnalyzer() -> CompositeAnalyzer:
    return CompositeAnalyzer(PinyinTokenizer())


def PinyinWordAnalyzer() -> CompositeAnalyzer:
    return CompositeAnalyzer(PinyinWordTokenizer())


# --------------------------------------------------------------------------
# Pinyin queries
# --------------------------------------------------------------------------

# What users type for ü finals, mapped to the indexed spelling.
_SYLLABLE_ALIASES = {"lue": "lve", "nue": "nve"}
_MAX_SYLLABLE = 6
_MAX_ENUMERATED = 32
_PINYIN_QUERY_RE = re.compile(r"^[a-zü' ]+$")


def _segment_chunk(chunk: str, limit: int) -> list[list[str]]:
    """All segmentations of ``chunk`` into the fewest syllables (≤ limit)."""
    n = len(chunk)
    # best[i]: fewest syllables covering chunk[:i]; back[i]: syllable starts
    best = [0] + [None] * n
    back: list[list[int]] = [[] for _ in range(n + 1)]
    for end in range(1, n + 1):
        for start in range(max(0, end - _MAX_SYLLABLE), end):
            piece = chunk[start:end]
            if best[start] is None:
                continue
            if piece not in PINYIN_SYLLABLES and piece not in _SYLLABLE_ALIASES:
                continue
            count = best[start] + 1
            if best[end] is None or count < best[end]:
                best[end], back[end] = count, [start]
            elif count == best[end]:
                back[end].append(start)
    if best[n] is None:
        return []

    results: list[list[str]] = []

    def walk(end: int, tail: list[str]) -> None:
        if len(results) >= _MAX_ENUMERATED:
            return
        if end == 0:
            results.append(tail)
            return
        for start in back[end]:
            piece = chunk[start:end]
            walk(start, [_SYLLABLE_ALIASES.get(piece, piece)] + tail)

    walk(n, [])
    # Longest leading syllables first: "fangan" → fang an before fan gan.
    results.sort(key=lambda syllables: [-len(s) for s in syllables])
    return results[:limit]


def pinyin_segmentations(query: str, limit: int = 4) -> list[list[str]]:
    """Possible syllable splits of an ASCII pinyin query, best first.

    Spaces and apostrophes separate syllable groups ("dang jian",
    "xi'an").  Returns [] if the query is not entirely pinyin.
    """
    text = (query or "").strip().lower().replace("ü", "v").replace("u:", "v")
    if len(text) < 2 or len(text) > 64 or not _PINYIN_QUERY_RE.match(text):
        return []
    options: list[list[str]] = [[]]
    for chunk in re.split(r"[ ']+", text):
        if not chunk:
            continue
        splits = _segment_chunk(chunk, limit)
        if not splits:
            return []
        options = [head + tail for head in options for tail in splits][:limit]
    return [o for o in options if o]


def split_pinyin(query: str) -> list[str] | None:
    """Split "dangjian" / "xuexiqiangguo" / "dang jian" into syllables.

    Returns None when the query is not pinyin (other characters, or letters
    that don't divide into valid syllables).
    """
    options = pinyin_segmentations(query, limit=1)
    return options[0] if options else None
