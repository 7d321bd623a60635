"""Question types: validation, response normalisation and grading.

Every type is one class registered in `KINDS` under its ``name``; adding a
type means adding a subclass with a new ``name``.  All methods are class
methods, so callers use ``KINDS[q.kind].grade(q, response)`` directly.

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
import unicodedata
from typing import Any, ClassVar

from mooc.quizzes.formats.common import (
    DIFFICULTIES,
    TEXT_FORMATS,
    QuestionData,
    normalise_for_comparison,
)
from mooc.core.parsing import ascii_int

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


def _clamp(score: float) -> float:
    return max(0.0, min(1.0, score))


def _as_index(raw: Any) -> int:
    # bool is an int subclass: JSON true must not select option 1.
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and (index := ascii_int(raw, max_digits=3)) is not None:
        return index
    raise ValueError("答案格式不正确：应为选项序号")


def _check_index_range(index: int, q: QuestionData | None) -> None:
    if index < 0 or (q is not None and index >= len(q.options)):
        raise ValueError("所选选项不存在")


class QuestionKind:
    name: ClassVar[str] = ""
    label_zh: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            KINDS[cls.name] = cls

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


def _validate_weights(weights: list[float] | None, expected: int, what: str) -> list[str]:
    if weights is None:
        return []
    if len(weights) != expected:
        return [f"百分比权重的数量与{what}数量不一致"]
    if any(not isinstance(w, (int, float)) or math.isnan(w) or not -100 <= w <= 100
           for w in weights):
        return ["百分比权重必须在 -100 到 100 之间"]
    return []


def _validate_feedback(feedback: list[str] | None, expected: int, what: str) -> list[str]:
    if feedback is not None and len(feedback) != expected:
        return [f"反馈的数量与{what}数量不一致"]
    return []


class _ChoiceKind(QuestionKind):
    """What single and multiple choice share: the option list."""

    @classmethod
    def _validate_answer(cls, q: QuestionData) -> list[str]:
        problems = []
        if len(q.options) < 2:
            problems.append("选项不能少于两个")
        if len(q.options) > MAX_OPTIONS:
            problems.append(f"选项不能多于 {MAX_OPTIONS} 个")
        seen: set[str] = set()
        for index, option in enumerate(q.options):
            if not option or not option.strip():
                problems.append(f"选项{option_letter(index)}内容为空")
                continue
            key = normalise_for_comparison(option)
            if key in seen:
                problems.append(f"选项“{option.strip()}”重复")
            seen.add(key)
        if any(not 0 <= i < len(q.options) for i in q.correct):
            problems.append("正确答案的选项序号超出范围")
        if len(set(q.correct)) != len(q.correct):
            problems.append("正确答案中有重复的选项")
        problems += _validate_weights(q.option_weights, len(q.options), "选项")
        problems += _validate_feedback(q.option_feedback, len(q.options), "选项")
        return problems


class SingleChoice(_ChoiceKind):
    name = "single"
    label_zh = "单选题"

    @classmethod
    def _validate_answer(cls, q: QuestionData) -> list[str]:
        problems = super()._validate_answer(q)
        if len(q.correct) != 1:
            problems.append("单选题必须恰好有一个正确答案")
        elif (q.option_weights is not None and not problems
              and abs(q.option_weights[q.correct[0]] - 100) > WEIGHT_TOLERANCE):
            problems.append("单选题正确选项的权重必须是 100%")
        return problems

    @classmethod
    def normalise_response(cls, raw: Any, q: QuestionData | None = None) -> int:
        index = _as_index(raw)
        _check_index_range(index, q)
        return index

    @classmethod
    def _score(cls, q: QuestionData, response: int, partial: bool, lenient: bool) -> float:
        if response in q.correct:
            return 1.0
        if partial and q.option_weights is not None:
            return q.option_weights[response] / 100
        return 0.0


class MultipleChoice(_ChoiceKind):
    name = "multiple"
    label_zh = "多选题"

    @classmethod
    def _validate_answer(cls, q: QuestionData) -> list[str]:
        problems = super()._validate_answer(q)
        if not q.correct:
            problems.append("多选题至少需要一个正确答案")
        if q.option_weights is not None and not problems:
            positive = {i for i, w in enumerate(q.option_weights) if w > 0}
            if positive != set(q.correct):
                problems.append("多选题的正确答案必须正好是权重为正的选项")
            elif abs(sum(q.option_weights[i] for i in positive) - 100) > WEIGHT_TOLERANCE:
                problems.append("多选题正确选项的权重之和必须是 100%")
        return problems

    @classmethod
    def normalise_response(cls, raw: Any, q: QuestionData | None = None) -> list[int]:
        if not isinstance(raw, (list, tuple)):
            raise ValueError("多选题的答案应为选项序号列表")
        if len(raw) > MAX_OPTIONS:
            raise ValueError("所选选项过多")
        indexes = sorted({_as_index(item) for item in raw})
        for index in indexes:
            _check_index_range(index, q)
        return indexes

    @classmethod
    def _score(cls, q: QuestionData, response: list[int], partial: bool,
               lenient: bool) -> float:
        chosen, right = set(response), set(q.correct)
        if chosen == right:
            return 1.0
        if not partial or not right:
            return 0.0
        if q.option_weights is not None:
            return sum(q.option_weights[i] for i in chosen) / 100
        return (len(chosen & right) - len(chosen - right)) / len(right)


class TrueFalse(QuestionKind):
    name = "truefalse"
    label_zh = "判断题"

    _TRUE_WORDS = {"true", "t", "对", "正确", "1"}
    _FALSE_WORDS = {"false", "f", "错", "错误", "0"}

    @classmethod
    def _validate_answer(cls, q: QuestionData) -> list[str]:
        problems = []
        if not isinstance(q.answer_true, bool):
            problems.append("判断题必须指定答案是“对”还是“错”")
        if q.option_feedback is not None and len(q.option_feedback) != 2:
            problems.append("判断题的反馈应有两项（答“对”时、答“错”时）")
        return problems

    @classmethod
    def normalise_response(cls, raw: Any, q: QuestionData | None = None) -> bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int) and raw in (0, 1):
            return bool(raw)
        if isinstance(raw, str):
            word = raw.strip().lower()
            if word in cls._TRUE_WORDS:
                return True
            if word in cls._FALSE_WORDS:
                return False
        raise ValueError("判断题的答案应为“对”或“错”")

    @classmethod
    def _score(cls, q: QuestionData, response: bool, partial: bool, lenient: bool) -> float:
        return 1.0 if response == q.answer_true else 0.0


class FillBlank(QuestionKind):
    name = "fill"
    label_zh = "填空题"

    @classmethod
    def _validate_answer(cls, q: QuestionData) -> list[str]:
        problems = []
        if not q.accepted_answers:
            problems.append("填空题至少需要一个参考答案")
        if any(not answer or not answer.strip() for answer in q.accepted_answers):
            problems.append("填空题的参考答案不能为空")
        count = len(q.accepted_answers)
        weight_problems = _validate_weights(q.option_weights, count, "参考答案")
        if (q.option_weights is not None and not weight_problems
                and not any(abs(w - 100) <= WEIGHT_TOLERANCE for w in q.option_weights)):
            weight_problems.append("填空题至少要有一个得满分（100%）的参考答案")
        problems += weight_problems
        problems += _validate_feedback(q.option_feedback, count, "参考答案")
        return problems

    @classmethod
    def normalise_response(cls, raw: Any, q: QuestionData | None = None) -> str:
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            raw = str(raw)
        if not isinstance(raw, str):
            raise ValueError("填空题的答案应为文字")
        if len(raw) > MAX_FILL_RESPONSE:
            raise ValueError(f"填空答案过长（最多 {MAX_FILL_RESPONSE} 个字符）")
        return raw

    @classmethod
    def _score(cls, q: QuestionData, response: str, partial: bool, lenient: bool) -> float:
        def same(a: str, b: str) -> bool:
            if lenient:
                return loose_text(a) == loose_text(b)
            return unicodedata.normalize("NFC", a.strip()) == unicodedata.normalize("NFC", b.strip())

        if not response.strip():
            return 0.0
        weights = q.option_weights or [100.0] * len(q.accepted_answers)
        best = 0.0
        for answer, weight in zip(q.accepted_answers, weights):
            if not same(response, answer):
                continue
            if abs(weight - 100) <= WEIGHT_TOLERANCE:
                return 1.0
            if partial:
                best = max(best, weight / 100)
        return best


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
