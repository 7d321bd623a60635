"""GIFT text pieces shared by the GIFT reader/writer and the question kinds.

Escape-aware text with line numbers for reading, escaping for writing, and
`GiftAnswers` — what stood between a question's braces — which each question
kind inspects (`gift_matches`) and turns into its data (`from_gift`). Plain
functions, no kinds: the kinds import this module, and formats/gift.py imports both.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from mooc.quizzes.formats.common import FormatProblem

ESCAPABLE = "\\~=#{}:>"
FORMAT_NAMES = {"plain": "plain", "moodle": "plain", "markdown": "markdown", "html": "html"}
FORMAT_PREFIX = re.compile(r"\[\s*([A-Za-z]+)\s*\]")
WEIGHT = re.compile(r"%(-?\d+(?:\.\d+)?)%")
WEIGHT_TOLERANCE = 1e-4


# --------------------------------------------------------------------------
# Escape-aware text
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    """Where a blank-line separated block sits in the file, for line numbers."""

    first_line: int
    newline_offsets: list[int]  # offsets of real (unescaped) newlines

    def line_at(self, offset: int) -> int:
        return self.first_line + bisect.bisect_left(self.newline_offsets, offset)


@dataclass(frozen=True)
class Text:
    """Unescaped text plus a mask in which escaped characters are hidden.

    Structural characters (``{ } ~ = # :``) are searched for in ``mask``, so
    ``\\=`` never splits an answer; ``text`` holds what the user meant.  Both
    strings have the same length, so one index works for both.
    """

    text: str
    mask: str
    start: int
    block: Block

    def cut(self, begin: int, end: int | None = None) -> "Text":
        end = len(self.text) if end is None else end
        return Text(self.text[begin:end], self.mask[begin:end], self.start + begin, self.block)

    def strip(self) -> "Text":
        begin = len(self.text) - len(self.text.lstrip())
        return self.cut(begin, max(begin, len(self.text.rstrip())))

    def line(self, offset: int = 0) -> int:
        return self.block.line_at(self.start + offset)

    def split_at(self, chars: str) -> list[tuple[str, "Text"]]:
        """Pieces after each unescaped marker in ``chars``; the lead-in gets marker ''."""
        pieces, marker, begin = [], "", 0
        for offset, char in enumerate(self.mask):
            if char in chars:
                pieces.append((marker, self.cut(begin, offset)))
                marker, begin = char, offset + 1
        pieces.append((marker, self.cut(begin)))
        return pieces


def unescape(raw: str, first_line: int) -> Text:
    text, mask, newlines = [], [], []
    i = 0
    while i < len(raw):
        char = raw[i]
        following = raw[i + 1] if i + 1 < len(raw) else ""
        if char == "\\" and (following in ESCAPABLE or following == "n") and following:
            text.append("\n" if following == "n" else following)
            mask.append("\0")
            i += 2
            continue
        if char == "\n":
            newlines.append(len(text))
        text.append(char)
        mask.append(char)
        i += 1
    return Text("".join(text), "".join(mask), 0, Block(first_line, newlines))


def without_format(part: Text) -> tuple[str | None, Text]:
    part = part.strip()
    match = FORMAT_PREFIX.match(part.mask)
    if match and match.group(1).lower() in FORMAT_NAMES:
        return FORMAT_NAMES[match.group(1).lower()], part.cut(match.end()).strip()
    return None, part


def plain(part: Text) -> str:
    return without_format(part)[1].text.strip()


def split_feedback(part: Text) -> tuple[Text, str]:
    hash_at = part.mask.find("#")
    if hash_at < 0:
        return part, ""
    return part.cut(0, hash_at), plain(part.cut(hash_at + 1))


def take_weight(part: Text) -> tuple[float | None, Text]:
    part = part.strip()
    match = WEIGHT.match(part.mask)
    if not match:
        return None, part
    return float(match.group(1)), part.cut(match.end())


# --------------------------------------------------------------------------
# What the braces hold
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class GiftChoice:
    """One ``~``/``=`` answer of a choice question."""

    marked_right: bool      # written with "="
    weight: float           # 100 for "=", else the ~%weight% (0 when none)
    text: str
    feedback: str


@dataclass(frozen=True)
class GiftAnswers:
    """A question's answer block (explanation removed), for the kinds to read."""

    text: Text
    line: int

    @property
    def has_choices(self) -> bool:
        return "~" in self.text.mask

    def is_short_answer(self) -> bool:
        """"=answer" or "answer" lists: not empty (an essay), not "#…" (numerical),
        not "a -> b" pairs (matching)."""
        mask = self.text.mask
        return bool(mask) and not mask.startswith("#") and not self.has_choices \
            and not ("=" in mask and "->" in mask)

    def right_marks(self) -> int:
        """How many answers are written with "=" among "~" answers."""
        return sum(1 for marker, _ in self.text.split_at("~=") if marker == "=")

    def head(self) -> str:
        """The first answer word without feedback, upper-cased ("TRUE", "T"…)."""
        return split_feedback(self.text)[0].text.strip().upper()

    def choices(self) -> list[GiftChoice]:
        pieces = self.text.split_at("~=")
        if pieces[0][1].text.strip():
            raise FormatProblem("选项必须以“~”（错误选项）或“=”（正确选项）开头")
        choices = []
        for marker, piece in pieces[1:]:
            weight = None
            if marker == "~":
                weight, piece = take_weight(piece)
            text, feedback = split_feedback(piece)
            choices.append(GiftChoice(marker == "=", 100.0 if marker == "=" else (weight or 0.0),
                                      plain(text), feedback))
        return choices

    def short_answers(self) -> list[tuple[float | None, str, str]]:
        """(weight or None, answer, feedback) for each "=" answer."""
        answers = []
        for marker, piece in self.text.split_at("="):
            if not marker and not piece.text.strip():
                continue  # nothing before the first "="
            weight, piece = take_weight(piece)
            text, feedback = split_feedback(piece)
            answers.append((weight, plain(text), feedback))
        return answers

    def hash_parts(self) -> list[Text]:
        return [piece for _, piece in self.text.split_at("#")]

    def rest_from(self, part: Text) -> str:
        """Plain text from ``part`` to the end (feedback may itself hold "#")."""
        return plain(self.text.cut(part.start - self.text.start))


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------

def escape(text: str) -> str:
    escaped = "".join(
        "\\" + char if char in "\\~=#{}:" else "\\n" if char == "\n" else char
        for char in text.replace("\r\n", "\n").replace("\r", "\n")
    )
    return escaped.replace("->", "-\\>")


def _looks_like_format_tag(text: str) -> bool:
    match = FORMAT_PREFIX.match(text)
    return bool(match and match.group(1).lower() in FORMAT_NAMES)


def protected(text: str, text_format: str, *, always_tag: bool = False,
               at_line_start: bool = False) -> str:
    """Escape ``text``, adding an explicit format tag where it would be misread.

    A leading "[html]" would be taken as a format and a leading "//" as a
    comment; GIFT has no escape for either, but a format tag in front
    shields both.
    """
    needs_tag = always_tag or _looks_like_format_tag(text)
    needs_tag = needs_tag or (at_line_start and text.startswith("//"))
    return (f"[{text_format}]" if needs_tag else "") + escape(text)


def format_weight(weight: float) -> str:
    if float(weight).is_integer():
        return str(int(weight))
    text = repr(float(weight))
    return text if "e" not in text else f"{weight:.10f}".rstrip("0").rstrip(".")


def answer_text(text: str, feedback: str, text_format: str) -> str:
    written = protected(text, text_format)
    if feedback:
        written += "#" + protected(feedback, text_format)
    return written


def default_rule_weights(option_count: int, correct: list[int]) -> list[float]:
    """The weights our default multiple-choice rule implies: ±100 / number right."""
    share = 100 / len(correct)
    return [share if i in correct else -share for i in range(option_count)]


def is_default_rule(weights: list[float], correct: list[int]) -> bool:
    implied = default_rule_weights(len(weights), correct)
    return all(abs(a - b) < WEIGHT_TOLERANCE for a, b in zip(weights, implied))


