"""Fill in the blank (填空题): one or more accepted answers, compared leniently.

GIFT writes short answers ``{=共产主义 =共产主义社会}`` (weights allowed); a sheet's
答案 cell separates accepted answers with ``|`` or ``；``.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from mooc.quizzes.formats.common import FormatProblem, QuestionData
from mooc.quizzes.formats.gift_text import WEIGHT, GiftAnswers, answer_text, format_weight
from mooc.quizzes.kinds.base import (
    MAX_FILL_RESPONSE,
    WEIGHT_TOLERANCE,
    QuestionKind,
    loose_text,
    validate_feedback,
    validate_weights,
)

_SHEET_SEPARATORS = re.compile(r"[|｜;；]")


class FillBlank(QuestionKind):
    name = "fill"
    label_zh = "填空题"
    gift_priority = 90  # what any other answer block is: "=answer", "answer"…
    sheet_words = ("填空", "填空题")

    @classmethod
    def _validate_answer(cls, q: QuestionData) -> list[str]:
        problems = []
        if not q.accepted_answers:
            problems.append("填空题至少需要一个参考答案")
        if any(not answer or not answer.strip() for answer in q.accepted_answers):
            problems.append("填空题的参考答案不能为空")
        count = len(q.accepted_answers)
        weight_problems = validate_weights(q.option_weights, count, "参考答案")
        if (q.option_weights is not None and not weight_problems
                and not any(abs(w - 100) <= WEIGHT_TOLERANCE for w in q.option_weights)):
            weight_problems.append("填空题至少要有一个得满分（100%）的参考答案")
        problems += weight_problems
        problems += validate_feedback(q.option_feedback, count, "参考答案")
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

    # ------------------------------------------------------------ files

    @classmethod
    def gift_matches(cls, answers: GiftAnswers) -> bool:
        return answers.is_short_answer()

    @classmethod
    def from_gift(cls, q: QuestionData, answers: GiftAnswers) -> QuestionData:
        read = answers.short_answers()
        weights = [100.0 if weight is None else weight for weight, _, _ in read]
        feedback = [answer_feedback for _, _, answer_feedback in read]
        q.kind, q.accepted_answers = cls.name, [answer for _, answer, _ in read]
        q.option_weights = None if all(w == 100 for w in weights) else weights
        q.option_feedback = feedback if any(feedback) else None
        return q

    @classmethod
    def to_gift(cls, q: QuestionData) -> list[str]:
        feedback = q.option_feedback or [""] * len(q.accepted_answers)
        weights = q.option_weights or [100.0] * len(q.accepted_answers)
        answers = []
        for answer, weight, fb in zip(q.accepted_answers, weights, feedback):
            explicit = q.option_weights is not None or WEIGHT.match(answer)
            prefix = f"=%{format_weight(weight)}%" if explicit else "="
            answers.append(prefix + answer_text(answer, fb, q.text_format))
        return answers

    @classmethod
    def from_row(cls, q: QuestionData, row) -> None:
        q.kind = cls.name
        answer = row.answer()
        q.accepted_answers = [a.strip() for a in _SHEET_SEPARATORS.split(answer) if a.strip()]
        if not q.accepted_answers:
            raise FormatProblem("填空题的答案不能为空", "答案")

    @classmethod
    def to_row(cls, q: QuestionData) -> tuple[list[str], str]:
        return [], "|".join(q.accepted_answers)
