"""Question types: one class per type, registered here.

The base class, the registry and the grading helpers are in `base`; each built-in
type (with its GIFT and spreadsheet mapping) has its own module. A new type is a
module with a `QuestionKind` subclass plus one `register(...)` line below.
"""
from mooc.quizzes.kinds.base import (
    KINDS,
    MAX_FILL_RESPONSE,
    MAX_OPTIONS,
    WEIGHT_TOLERANCE,
    QuestionKind,
    draw_kinds,
    gift_kinds,
    grade,
    kind_for_sheet_word,
    kind_of,
    loose_text,
    option_letter,
    register,
    registered,
    unregister,
    validate,
)
from mooc.quizzes.kinds.choice import MultipleChoice, SingleChoice
from mooc.quizzes.kinds.fill import FillBlank
from mooc.quizzes.kinds.truefalse import TrueFalse

for _kind in (SingleChoice, MultipleChoice, TrueFalse, FillBlank):
    register(_kind)

__all__ = [
    "KINDS", "MAX_FILL_RESPONSE", "MAX_OPTIONS", "WEIGHT_TOLERANCE", "FillBlank",
    "MultipleChoice", "QuestionKind", "SingleChoice", "TrueFalse", "draw_kinds", "gift_kinds",
    "grade", "kind_for_sheet_word", "kind_of", "loose_text", "option_letter", "register",
    "registered", "unregister", "validate",
]
