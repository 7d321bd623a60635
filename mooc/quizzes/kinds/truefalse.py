"""True/false (判断题): the answer is 对 or 错.

GIFT writes ``{T}``/``{TRUE}``/``{F}``/``{FALSE}``; sheets accept 对/错, 正确/错误,
√/×, T/F and 是/否.
"""
from __future__ import annotations

import unicodedata
from typing import Any

from mooc.quizzes.formats.common import FormatProblem, QuestionData
from mooc.quizzes.formats.gift_text import GiftAnswers, plain, protected
from mooc.quizzes.kinds.base import QuestionKind

_GIFT_WORDS = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_SHEET_WORDS = {**dict.fromkeys(["对", "正确", "√", "✓", "✔", "T", "TRUE", "是", "Y"], True),
                **dict.fromkeys(["错", "错误", "×", "✗", "✘", "X", "F", "FALSE", "否", "N"], False)}


class TrueFalse(QuestionKind):
    name = "truefalse"
    label_zh = "判断题"
    gift_priority = 30
    sheet_words = ("判断", "判断题", "是非题")

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

    # ------------------------------------------------------------ files

    @classmethod
    def gift_matches(cls, answers: GiftAnswers) -> bool:
        return not answers.has_choices and answers.head() in _GIFT_WORDS

    @classmethod
    def from_gift(cls, q: QuestionData, answers: GiftAnswers) -> QuestionData:
        parts = answers.hash_parts()
        q.kind, q.answer_true = cls.name, _GIFT_WORDS[parts[0].text.strip().upper()]
        # GIFT: {T#shown to a wrong answer#shown to a right answer}; ours is [对, 错].
        wrong = plain(parts[1]) if len(parts) > 1 else ""
        right = answers.rest_from(parts[2]) if len(parts) > 2 else ""
        if wrong or right:
            q.option_feedback = [right, wrong] if q.answer_true else [wrong, right]
        return q

    @classmethod
    def to_gift(cls, q: QuestionData) -> list[str]:
        written = "TRUE" if q.answer_true else "FALSE"
        if q.option_feedback and any(q.option_feedback):
            if_true, if_false = q.option_feedback
            right, wrong = (if_true, if_false) if q.answer_true else (if_false, if_true)
            # Same shape as Moodle's exporter: "#wrong#right", "#wrong" or "##right".
            written += "#" + protected(wrong, q.text_format) if wrong else "#"
            if right:
                written += "#" + protected(right, q.text_format)
        return [written]

    @classmethod
    def from_row(cls, q: QuestionData, row) -> None:
        q.kind = cls.name
        answer = row.answer()
        q.answer_true = _SHEET_WORDS.get(unicodedata.normalize("NFKC", answer).strip().upper())
        if q.answer_true is None:
            raise FormatProblem(f"判断题的答案“{answer}”无法识别，"
                                "应为 对/错、正确/错误、√/×、T/F 或 是/否", "答案")

    @classmethod
    def to_row(cls, q: QuestionData) -> tuple[list[str], str]:
        return [], "对" if q.answer_true else "错"
