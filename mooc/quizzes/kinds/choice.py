"""Single and multiple choice: options A–Z, one or several right answers.

GIFT: ``~`` answers with exactly one ``=`` are a 单选题; several ``=``, or ``~``
answers with positive ``%weight%`` and no ``=``, a 多选题.  Sheets: 选项A… columns
and the right letters in 答案 ("ACD", "a、c", full width…).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from mooc.quizzes.formats.common import FormatProblem, QuestionData, normalise_for_comparison
from mooc.quizzes.formats.gift_text import (
    WEIGHT,
    GiftAnswers,
    GiftChoice,
    answer_text,
    default_rule_weights,
    format_weight,
    is_default_rule,
)
from mooc.quizzes.kinds.base import (
    MAX_OPTIONS,
    WEIGHT_TOLERANCE,
    QuestionKind,
    as_index,
    check_index_range,
    option_letter,
    validate_feedback,
    validate_weights,
)

_CHOICE_SEPARATORS = re.compile(r"[\s,、.;/|]+")


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
        problems += validate_weights(q.option_weights, len(q.options), "选项")
        problems += validate_feedback(q.option_feedback, len(q.options), "选项")
        return problems

    # ------------------------------------------------------------ files

    @classmethod
    def _gift_options(cls, q: QuestionData, choices: list[GiftChoice]) -> None:
        q.kind = cls.name
        q.options = [choice.text for choice in choices]
        feedback = [choice.feedback for choice in choices]
        q.option_feedback = feedback if any(feedback) else None

    @classmethod
    def _gift_lines(cls, q: QuestionData, markers: list[str]) -> list[str]:
        feedback = q.option_feedback or [""] * len(q.options)
        return [marker + answer_text(option, fb, q.text_format)
                for marker, option, fb in zip(markers, q.options, feedback)]

    @classmethod
    def from_row(cls, q: QuestionData, row) -> None:
        q.kind = cls.name
        q.options = row.options(cls.label_zh)
        answer = row.answer()
        letters = _CHOICE_SEPARATORS.sub("", unicodedata.normalize("NFKC", answer).upper())
        if not letters or not all("A" <= letter <= "Z" for letter in letters):
            raise FormatProblem(f"无法识别的答案“{answer}”，请填写选项字母，如 A 或 ACD", "答案")
        for letter in letters:
            if ord(letter) - ord("A") >= len(q.options):
                raise FormatProblem(f"{cls.label_zh}的答案“{letter}”不在选项中", "答案")
        q.correct = sorted({ord(letter) - ord("A") for letter in letters})

    @classmethod
    def to_row(cls, q: QuestionData) -> tuple[list[str], str]:
        return list(q.options), "".join(option_letter(i) for i in sorted(q.correct))


class SingleChoice(_ChoiceKind):
    name = "single"
    label_zh = "单选题"
    gift_priority = 10
    sheet_words = ("单选", "单选题", "单项选择题")

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
        index = as_index(raw)
        check_index_range(index, q)
        return index

    @classmethod
    def _score(cls, q: QuestionData, response: int, partial: bool, lenient: bool) -> float:
        if response in q.correct:
            return 1.0
        if partial and q.option_weights is not None:
            return q.option_weights[response] / 100
        return 0.0

    @classmethod
    def gift_matches(cls, answers: GiftAnswers) -> bool:
        return answers.has_choices and answers.right_marks() == 1

    @classmethod
    def from_gift(cls, q: QuestionData, answers: GiftAnswers) -> QuestionData:
        choices = answers.choices()
        cls._gift_options(q, choices)
        q.correct = [i for i, choice in enumerate(choices) if choice.marked_right]
        weighted = any(c.weight != 0 for c in choices if not c.marked_right)
        q.option_weights = [c.weight for c in choices] if weighted else None
        return q

    @classmethod
    def to_gift(cls, q: QuestionData) -> list[str]:
        weights = q.option_weights or [0.0] * len(q.options)
        markers = ["=" if i in q.correct else f"~%{format_weight(weights[i])}%"
                   if weights[i] or WEIGHT.match(option) else "~"
                   for i, option in enumerate(q.options)]
        return cls._gift_lines(q, markers)

    @classmethod
    def from_row(cls, q: QuestionData, row) -> None:
        super().from_row(q, row)
        if len(q.correct) > 1:
            raise FormatProblem(f"单选题只能有一个答案，却填写了“{row.answer()}”", "答案")


class MultipleChoice(_ChoiceKind):
    name = "multiple"
    label_zh = "多选题"
    gift_priority = 20  # after single: every choice block that isn't exactly one "="
    sheet_words = ("多选", "多选题", "多项选择题")

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
        indexes = sorted({as_index(item) for item in raw})
        for index in indexes:
            check_index_range(index, q)
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

    @classmethod
    def gift_matches(cls, answers: GiftAnswers) -> bool:
        return answers.has_choices

    @classmethod
    def from_gift(cls, q: QuestionData, answers: GiftAnswers) -> QuestionData:
        choices = answers.choices()
        cls._gift_options(q, choices)
        right = [i for i, choice in enumerate(choices) if choice.marked_right]
        weights = [choice.weight for choice in choices]
        if right:  # several "=" (one "=" is a single choice)
            if any(c.weight != 0 for c in choices if not c.marked_right):
                raise FormatProblem("有多个“=”正确答案时不能再使用百分比权重")
            q.correct = right
            return q
        q.correct = [i for i, weight in enumerate(weights) if weight > 0]
        if not q.correct:
            raise FormatProblem("没有正确答案：请用“=”标出正确选项，"
                                "或用正的百分比权重（如 ~%50%）标出多选题的正确选项")
        q.option_weights = None if is_default_rule(weights, q.correct) else weights
        return q

    @classmethod
    def to_gift(cls, q: QuestionData) -> list[str]:
        weights = q.option_weights or [round(w, 5) for w in
                                       default_rule_weights(len(q.options), q.correct)]
        return cls._gift_lines(q, [f"~%{format_weight(w)}%" for w in weights])
