"""Question types: the base class, the registry, validation and grading helpers.

Every type is one class registered in `KINDS` under its ``name`` by an explicit
`register(cls)`; adding a type means adding a subclass and registering it.  All
methods are class methods, so callers use ``KINDS[q.kind].grade(q, response)``.

A kind also owns how it travels through files: its GIFT mapping
(`gift_matches` / `from_gift` / `to_gift`, tried in `gift_priority` order), its
spreadsheet row (`sheet_words`, `from_row` / `to_row`) and whether random papers
may draw it (`drawable`, `draws_for`).  formats/gift.py and formats/sheet.py only
call these.

Canonical responses (what `normalise_response` returns and `grade` expects):

=============  ======================================================
single         ``int``  0-based index of the chosen option
multiple       ``list[int]`` sorted, de-duplicated option indexes
truefalse      ``bool`` (True = 对)
fill           ``str``  the student's text
=============  ======================================================

Grading returns a float in [0, 1].  A missing or malformed response scores 0
instead of raising: a broken client must not break the marking of a quiz.

Partial credit (``partial=True``, a per-quiz setting) is only ever given
when asked for:

* multiple choice without weights: (right options chosen − wrong options
  chosen) / number of right options, floored at 0.  Guessing "all options"
  therefore earns nothing, which is the point of the penalty.
* any choice question with GIFT weights: sum of the chosen options' weights
  / 100, clamped to [0, 1] (a single choice uses the one chosen weight).
* fill with GIFT weights: the best weight among the matching answers.

Without ``partial`` every type is all-or-nothing: full marks only for the
exact right set / a full-credit (100 %) answer.
"""
from __future__ import annotations

import math
from typing import Any, ClassVar

from contextlib import contextmanager

from mooc.core.parsing import ascii_int
from mooc.quizzes.formats.common import (
    DIFFICULTIES,
    TEXT_FORMATS,
    FormatProblem,
    QuestionData,
    normalise_for_comparison,
)

KINDS: dict[str, type["QuestionKind"]] = {}

MAX_OPTIONS = 26  # one per letter A–Z
MAX_FILL_RESPONSE = 200
WEIGHT_TOLERANCE = 0.01  # GIFT files write 33.33333 for a third

# Stripped from the end of fill answers in lenient mode: students add a full
# stop out of habit.  NFKC has already turned full-width forms into ASCII.
_TRAILING_PUNCTUATION = "。.,、;:!?~·"


def option_letter(index: int) -> str:
    return chr(ord("A") + index) if 0 <= index < MAX_OPTIONS else str(index + 1)


def loose_text(text: str) -> str:
    """Lenient form of a fill answer: width, case, spacing and final punctuation ignored."""
    folded = normalise_for_comparison(text)
    return folded.rstrip(_TRAILING_PUNCTUATION + " ").strip()


def register(cls: type["QuestionKind"]) -> type["QuestionKind"]:
    """Add a question type; usable as a decorator. A name belongs to one class only."""
    current = KINDS.get(cls.name)
    if not cls.name or (current is not None and current is not cls):
        raise ValueError(f"question kind {cls.name!r} is unnamed or already registered")
    KINDS[cls.name] = cls
    return cls


def unregister(name: str) -> None:
    KINDS.pop(name, None)


@contextmanager
def registered(cls: type["QuestionKind"]):
    """`with registered(ToyKind):` — for tests that bring their own type."""
    register(cls)
    try:
        yield cls
    finally:
        unregister(cls.name)


def _clamp(score: float) -> float:
    return max(0.0, min(1.0, score))


def as_index(raw: Any) -> int:
    # bool is an int subclass: JSON true must not select option 1.
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and (index := ascii_int(raw, max_digits=3)) is not None:
        return index
    raise ValueError("答案格式不正确：应为选项序号")


def check_index_range(index: int, q: QuestionData | None) -> None:
    if index < 0 or (q is not None and index >= len(q.options)):
        raise ValueError("所选选项不存在")


class QuestionKind:
    name: ClassVar[str] = ""
    label_zh: ClassVar[str] = ""
    # Lower is tried first when a GIFT answer block could be several kinds.
    gift_priority: ClassVar[int] = 50
    # What teachers write in a sheet's 题型 column; the first is the short form
    # named in error messages.  label_zh is accepted too (it is what we write).
    sheet_words: ClassVar[tuple[str, ...]] = ()
    # May a random paper's draw rule name this kind?
    drawable: ClassVar[bool] = True

    @classmethod
    def validate(cls, q: QuestionData) -> list[str]:
        """Chinese messages describing what is wrong with ``q``; empty when valid."""
        problems = []
        if not q.stem or not q.stem.strip():
            problems.append("题干不能为空")
        if q.difficulty is not None and q.difficulty not in DIFFICULTIES:
            problems.append("难度只能是易、中、难")
        if q.text_format not in TEXT_FORMATS:
            problems.append("文本格式只能是 plain、markdown 或 html")
        if any(not isinstance(tag, str) or not tag.strip() for tag in q.tags):
            problems.append("标签不能为空")
        return problems + cls._validate_answer(q)

    @classmethod
    def _validate_answer(cls, q: QuestionData) -> list[str]:
        raise NotImplementedError

    @classmethod
    def normalise_response(cls, raw: Any, q: QuestionData | None = None) -> Any:
        """Turn untrusted JSON into the canonical response or raise ValueError (Chinese)."""
        raise NotImplementedError

    @classmethod
    def grade(cls, q: QuestionData, response: Any, partial: bool = False,
              *, lenient: bool = True) -> float:
        try:
            canonical = cls.normalise_response(response, q)
        except ValueError:
            return 0.0
        return _clamp(cls._score(q, canonical, partial, lenient))

    @classmethod
    def _score(cls, q: QuestionData, response: Any, partial: bool, lenient: bool) -> float:
        raise NotImplementedError

    # ------------------------------------------------------------ random papers

    @classmethod
    def draws_for(cls, q: QuestionData, rule: dict[str, Any]) -> bool:
        """Whether a draw rule picks ``q``: its kind, any of its tags, its difficulty."""
        if q.kind != rule.get("kind"):
            return False
        tags = rule.get("tags") or []
        if tags and not set(tags) & set(q.tags or []):
            return False
        return not rule.get("difficulty") or q.difficulty == rule["difficulty"]

    # ------------------------------------------------------------ GIFT

    @classmethod
    def gift_matches(cls, answers) -> bool:
        """Whether a GIFT answer block (formats.gift_text.GiftAnswers) is this kind."""
        return False

    @classmethod
    def from_gift(cls, q: QuestionData, answers) -> QuestionData:
        """Fill ``q`` (stem, name… already set) from the answers; raise FormatProblem."""
        raise FormatProblem(f"{cls.label_zh}不能从 GIFT 文件导入")

    @classmethod
    def to_gift(cls, q: QuestionData) -> list[str]:
        """The answer lines between the braces (formats.gift_text helpers escape them)."""
        raise ValueError(f"无法导出未知题型“{q.kind}”")

    # ------------------------------------------------------------ spreadsheets

    @classmethod
    def from_row(cls, q: QuestionData, row) -> None:
        """Fill ``q`` from a sheet row (formats.sheet.SheetRow); raise FormatProblem
        naming the column."""
        raise FormatProblem(f"{cls.label_zh}不能从表格导入", "题型")

    @classmethod
    def to_row(cls, q: QuestionData) -> tuple[list[str], str]:
        """(option cells, answer cell) for a sheet row."""
        return list(q.options), ""


def gift_kinds() -> list[type[QuestionKind]]:
    return sorted(KINDS.values(), key=lambda kind: kind.gift_priority)


def kind_for_sheet_word(word: str) -> type[QuestionKind] | None:
    for kind in KINDS.values():
        if word in kind.sheet_words or word == kind.label_zh:
            return kind
    return None


def draw_kinds() -> list[str]:
    return [name for name, kind in KINDS.items() if kind.drawable]


def validate_weights(weights: list[float] | None, expected: int, what: str) -> list[str]:
    if weights is None:
        return []
    if len(weights) != expected:
        return [f"百分比权重的数量与{what}数量不一致"]
    if any(not isinstance(w, (int, float)) or math.isnan(w) or not -100 <= w <= 100
           for w in weights):
        return ["百分比权重必须在 -100 到 100 之间"]
    return []


def validate_feedback(feedback: list[str] | None, expected: int, what: str) -> list[str]:
    if feedback is not None and len(feedback) != expected:
        return [f"反馈的数量与{what}数量不一致"]
    return []


def kind_of(q_or_name: QuestionData | str) -> type[QuestionKind]:
    name = q_or_name if isinstance(q_or_name, str) else q_or_name.kind
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"未知题型“{name}”") from None


def validate(q: QuestionData) -> list[str]:
    """Validate any question; an unknown kind is reported, not raised."""
    if q.kind not in KINDS:
        return [f"未知题型“{q.kind}”"]
    return KINDS[q.kind].validate(q)


def grade(q: QuestionData, response: Any, partial: bool = False, *, lenient: bool = True) -> float:
    return kind_of(q).grade(q, response, partial, lenient=lenient)
