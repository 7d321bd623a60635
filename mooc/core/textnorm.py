"""Text normalisation shared by lesson import and search.

Three public entry points, all pure functions (no Flask, no DB):

* ``strip_phonetic_guides(text)`` – drops the pinyin that Word's 拼音指南
  leaves behind when text is copied: ``联(lián)`` → ``联``.
* ``clean_pasted_text(text)`` – tidies text pasted or imported into a lesson
  (Markdown) without touching Markdown syntax or code.
* ``normalize_for_search(text)`` – the single normalisation used at index
  *and* query time (NFKC, Traditional→Simplified, phonetic guides removed,
  casefold).  ``normalize_with_offsets`` returns the same string plus, for
  every output character, the span of the original text it came from, so
  the search analyzers can report character offsets into the *stored*
  text and highlighting stays exact even when normalisation changes lengths.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# --------------------------------------------------------------------------
# Character classes
# --------------------------------------------------------------------------

# CJK ideographs (BMP, Ext A, compatibility block, Ext B–H) and 〇.
HAN_CLASS = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_RE = re.compile(f"[{HAN_CLASS}]")


def is_han(char: str) -> bool:
    return bool(HAN_RE.match(char))


# The standard Mandarin syllable inventory, toneless, with ü written "v"
# (the convention pypinyin and Chinese IMEs use).  Hard-coded because
# deriving it from pypinyin's 42k-entry dictionary costs ~0.7 s per process;
# tests/core/test_textnorm.py checks it against pypinyin.
PINYIN_SYLLABLES = frozenset("""
a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo
bu ca cai can cang cao ce cen ceng cha chai chan chang chao che chen cheng chi
chong chou chu chua chuai chuan chuang chui chun chuo ci cong cou cu cuan cui
cun cuo da dai dan dang dao de dei den deng di dia dian diao die ding diu dong
dou du duan dui dun duo e ei en eng er fa fan fang fei fen feng fo fou fu ga
gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo ha
hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji
jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao
ke kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo la lai lan lang lao
le lei leng li lia lian liang liao lie lin ling liu lo long lou lu luan lun luo
lv lve ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou
mu na nai nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong
nou nu nuan nun nuo nv nve o ou pa pai pan pang pao pei pen peng pi pian piao
pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu quan que
qun ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa sai san sang
sao se sen seng sha shai shan shang shao she shei shen sheng shi shou shu shua
shuai shuan shuang shui shun shuo si song sou su suan sui sun suo ta tai tan
tang tao te teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan
wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan
xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan
zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong
zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo
""".split())

# Vowels carrying a tone mark → (toneless letter, tone number).
_TONE_MARKS = {
    "ā": ("a", 1), "á": ("a", 2), "ǎ": ("a", 3), "à": ("a", 4),
    "ē": ("e", 1), "é": ("e", 2), "ě": ("e", 3), "è": ("e", 4),
    "ī": ("i", 1), "í": ("i", 2), "ǐ": ("i", 3), "ì": ("i", 4),
    "ō": ("o", 1), "ó": ("o", 2), "ǒ": ("o", 3), "ò": ("o", 4),
    "ū": ("u", 1), "ú": ("u", 2), "ǔ": ("u", 3), "ù": ("u", 4),
    "ǖ": ("v", 1), "ǘ": ("v", 2), "ǚ": ("v", 3), "ǜ": ("v", 4),
    "ń": ("n", 2), "ň": ("n", 3), "ǹ": ("n", 4), "ḿ": ("m", 2),
}
_TONED_LETTERS = "".join(_TONE_MARKS)

# --------------------------------------------------------------------------
# Phonetic guides
# --------------------------------------------------------------------------

# A Han character immediately followed by a short parenthesised run of
# pinyin-looking letters, ASCII or full-width parentheses.  Whether the run
# really is a guide is decided by _is_phonetic_guide().
_GUIDE_RE = re.compile(
    f"([{HAN_CLASS}])"
    r"[(（][ \t]*"
    f"([a-zA-Züv:{_TONED_LETTERS}]{{1,7}}[0-5]?)"
    r"[ \t]*[)）]"
)


def _syllable_and_tone(raw: str) -> tuple[str, str]:
    """Split a guide into (toneless syllable with ü→v, tone kind).

    tone kind is "mark", "digit", "plain" or "invalid".
    """
    raw = raw.replace("u:", "v").replace("ü", "v")
    kind = "plain"
    if raw[-1].isdigit():
        raw, kind = raw[:-1], "digit"
    letters = []
    marks = 0
    for ch in raw:
        if ch in _TONE_MARKS:
            letters.append(_TONE_MARKS[ch][0])
            marks += 1
        else:
            letters.append(ch)
    if marks:
        kind = "invalid" if marks > 1 or kind == "digit" else "mark"
    return "".join(letters), kind


@lru_cache(maxsize=4096)
def han_readings(char: str) -> frozenset[str]:
    """All toneless readings (ü as v) pypinyin knows for one Han character."""
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin.pinyin_dict import pinyin_dict

    readings = pinyin_dict.get(ord(char), "")
    return frozenset(to_normal(r) for r in readings.split(",") if r)


def _is_phonetic_guide(han: str, raw: str) -> bool:
    # Word writes guides in lower case; "(A1)" after 单元格 is a cell name.
    if raw != raw.lower():
        return False
    syllable, kind = _syllable_and_tone(raw)
    if kind == "invalid" or syllable not in PINYIN_SYLLABLES:
        return False
    if kind == "mark":
        # A tone mark on a valid syllable is unambiguous evidence.
        return True
    # Plain or tone-digit text may be an English word that happens to be a
    # syllable (太阳(sun), 他(he)): only strip it when it is a reading of the
    # very character it follows.
    return syllable in han_readings(han)


def strip_phonetic_guides(text: str) -> str:
    """Remove pinyin guides such as 联(lián), 党（dǎng）, 联(lian2).

    Legitimate parentheses – (2017), (一), (English), (见第三章) – stay.
    """
    if "(" not in text and "（" not in text:
        return text

    def replace(match: re.Match) -> str:
        han, raw = match.group(1), match.group(2)
        return han if _is_phonetic_guide(han, raw) else match.group(0)

    return _GUIDE_RE.sub(replace, text)


# --------------------------------------------------------------------------
# Pasted text (Markdown) cleanup
# --------------------------------------------------------------------------

_EMOJI_CLASS = "\u2600-\u27bf\U0001f000-\U0001faff"
# Invisible format characters Word, browsers and chat apps smuggle in.
# ZWJ is handled separately because it glues emoji sequences together.
_INVISIBLE_RE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180e\u200b\u200c"
    "\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]"
    f"|(?<![{_EMOJI_CLASS}\ufe0f])\u200d|\u200d(?![{_EMOJI_CLASS}])"
)
_LINE_BREAKS_RE = re.compile("\r\n?|[\x0b\x0c\x85\u2028\u2029]")
# Non-breaking spaces from Word would stop "1.\u00a0条目" being a list item.
_NBSP_RE = re.compile("[\u00a0\u2007\u202f]")

_FULLWIDTH_ALNUM = {
    code: code - 0xFEE0
    for start, end in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
    for code in range(start, end + 1)
}

# Spans inside a Markdown line that must never be rewritten.
_PROTECTED_INLINE_RE = re.compile(
    r"(`+).+?(?<!`)\1(?!`)"                       # inline code
    r"|\\[!-/:-@\[-`{-~]"                         # backslash escapes
    r"|<[^<>\n]+>"                                # autolinks, inline HTML
    r"|\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*"     # link destination ...
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'))?\)"           # ... with optional title
    r"|(?:https?|ftp)://[^\s<>，。；：！？、）》」』】]+"  # bare URLs
    r"|www\.[^\s<>，。；：！？、）》」』】]+"
)

_HALF_TO_FULL_PUNCT = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
# ASCII , ; : ? ! squeezed between two Han characters (spaces after the
# mark are dropped too: full-width punctuation carries its own spacing).
_PUNCT_BETWEEN_HAN_RE = re.compile(f"(?<=[{HAN_CLASS}])([,;:?!])[ \t]*(?=[{HAN_CLASS}])")
# An ASCII parenthesis pair around Chinese text, e.g. 见附件(附件一).
_PAREN_PAIR_RE = re.compile(r"(?<![\]A-Za-z0-9_])\(([^()\n]*)\)")
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _fix_han_parens(match: re.Match) -> str:
    content = match.group(1)
    if HAN_RE.search(content) and not re.search("[A-Za-z]", content):
        return f"（{content}）"
    return match.group(0)


def _clean_prose(text: str) -> str:
    """Rewrite a piece of Markdown prose that contains no protected span."""
    text = text.translate(_FULLWIDTH_ALNUM)
    text = strip_phonetic_guides(text)
    text = _PUNCT_BETWEEN_HAN_RE.sub(lambda m: _HALF_TO_FULL_PUNCT[m.group(1)], text)
    return _PAREN_PAIR_RE.sub(_fix_han_parens, text)


def _clean_markdown_line(line: str) -> str:
    pieces = []
    last = 0
    for match in _PROTECTED_INLINE_RE.finditer(line):
        pieces.append(_clean_prose(line[last:match.start()]))
        pieces.append(match.group(0))
        last = match.end()
    pieces.append(_clean_prose(line[last:]))
    return "".join(pieces)


def _is_indented_code(line: str, previous: str | None, previous_was_code: bool) -> bool:
    if not (line.startswith("    ") or line.startswith("\t")):
        return False
    return previous_was_code or previous is None or previous.strip() == ""


def clean_pasted_text(text: str) -> str:
    """Tidy text pasted into a lesson without breaking its Markdown.

    Everywhere: invisible characters removed (\\n and \\t kept), CRLF → LF,
    non-breaking spaces → spaces.  Outside code blocks, inline code, URLs,
    link destinations and HTML tags: full-width letters/digits folded to
    ASCII, phonetic guides stripped, ASCII , ; : ? ! between Han characters
    and ASCII ( ) around Chinese text turned into full-width punctuation.
    """
    if not text:
        return ""
    text = _LINE_BREAKS_RE.sub("\n", text)
    text = _INVISIBLE_RE.sub("", text)
    text = _NBSP_RE.sub(" ", text)

    out = []
    fence: str | None = None          # the opening fence while inside one
    previous: str | None = None
    previous_was_code = False
    for line in text.split("\n"):
        fence_match = _FENCE_RE.match(line)
        if fence is not None:
            out.append(line)
            stripped = line.strip()
            if fence_match and stripped == stripped[0] * len(stripped) \
                    and stripped[0] == fence[0] and len(stripped) >= len(fence):
                fence = None
            is_code = True
        elif fence_match:
            fence = fence_match.group(1)
            out.append(line)
            is_code = True
        elif _is_indented_code(line, previous, previous_was_code):
            out.append(line)
            is_code = True
        else:
            out.append(_clean_markdown_line(line))
            is_code = False
        # Blank lines inside an indented code block keep it going.
        previous_was_code = is_code or (previous_was_code and line.strip() == "")
        previous = line
    return "\n".join(out)


# --------------------------------------------------------------------------
# Search normalisation
# --------------------------------------------------------------------------

_SEARCH_LOCALE = "zh-hans"  # character-level and length-preserving, unlike zh-cn


@dataclass(frozen=True)
class NormalizedText:
    """Normalised text plus, per output character, its source span."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) covered by normalised text[start:end]."""
        return self.starts[start], self.ends[end - 1]


def _to_simplified(text: str) -> str:
    import zhconv

    converted = zhconv.convert(text, _SEARCH_LOCALE)
    if len(converted) == len(text):
        return converted
    # zh-hans mappings are all length-preserving today; if a future table
    # isn't, fall back to per-character conversion to keep offsets aligned.
    return "".join(zhconv.convert(ch, _SEARCH_LOCALE) for ch in text)


# Characters NFKC leaves unchanged and that never start a composition:
# ASCII, CJK punctuation 、。〈〉《》「」… and the main ideograph blocks.
# Runs of them skip the per-character work (tests check the claim).
NFKC_STABLE_CLASS = "\x00-\x7f\u3001-\u3035\u3400-\u4dbf\u4e00-\u9fff"
_NFKC_STABLE_RUN_RE = re.compile(f"[{NFKC_STABLE_CLASS}]+")


def _nfkc_with_offsets(text: str, chars: list, starts: list, ends: list) -> None:
    """NFKC per base character plus its combining marks, recording spans."""
    i, n = 0, len(text)
    stable = _NFKC_STABLE_RUN_RE.match
    while i < n:
        m = stable(text, i)
        if m:
            j = m.end()
            # A combining mark after the run composes with its last character.
            if j < n and unicodedata.combining(text[j]):
                j -= 1
            if j > i:
                chars.append(text[i:j])
                starts.extend(range(i, j))
                ends.extend(range(i + 1, j + 1))
                i = j
                continue
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        normalized = unicodedata.normalize("NFKC", text[i:j])
        chars.append(normalized)
        starts.extend([i] * len(normalized))
        ends.extend([j] * len(normalized))
        i = j


def normalize_with_offsets(text: str) -> NormalizedText:
    """normalize_for_search() that also tracks where each character came from."""
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []

    # 1. NFKC (full-width → half-width, compatibility forms, composition).
    _nfkc_with_offsets(text, pieces, starts, ends)

    # 2. Traditional → Simplified, character for character.
    norm = _to_simplified("".join(pieces))

    # 3. Phonetic guides: drop the "(lián)" part, keep the Han character.
    if "(" in norm:
        drop = [(m.start(1) + 1, m.end()) for m in _GUIDE_RE.finditer(norm)
                if _is_phonetic_guide(m.group(1), m.group(2))]
        for a, b in reversed(drop):
            norm = norm[:a] + norm[b:]
            del starts[a:b]
            del ends[a:b]

    # 4. Casefold.  It never shrinks a character, so an unchanged length
    #    means a 1:1 mapping; otherwise (ß → ss) expand per character.
    folded = norm.casefold()
    if len(folded) != len(norm):
        out_starts: list[int] = []
        out_ends: list[int] = []
        for ch, s, e in zip(norm, starts, ends):
            width = len(ch.casefold())
            out_starts.extend([s] * width)
            out_ends.extend([e] * width)
        starts, ends = out_starts, out_ends
    return NormalizedText(folded, tuple(starts), tuple(ends))


def normalize_for_search(text: str) -> str:
    """The one normalisation applied identically to documents and queries.

    NFKC (full-width → half-width), Traditional → Simplified (zhconv
    zh-hans), phonetic guides stripped, casefold: 互聯網 == 互联网,
    ＡＢＣ１２３ == abc123.
    """
    if not text:
        return ""
    return normalize_with_offsets(text).text
