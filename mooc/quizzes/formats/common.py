"""Data shared by the question importers/exporters (GIFT, Excel, CSV).

Everything here is plain data: no Flask, no database.  Importers return an
`ImportResult`; the caller decides what to store.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field

from mooc.core.tabular import decode_text  # noqa: F401  (one decoder; gift.py reads it from here)
DIFFICULTIES = ("easy", "medium", "hard")
TEXT_FORMATS = ("plain", "markdown", "html")

# Missing-word questions show this where the answer belongs.
BLANK = "____"

_WHITESPACE_RUN = re.compile(r"\s+")


def normalise_for_comparison(text: str) -> str:
    """Fold the differences people don't notice: full/half width, case, spacing."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _WHITESPACE_RUN.sub(" ", text).strip()


@dataclass
class QuestionData:
    """One question as it travels between files, the database and the grader.

    * ``correct`` holds 0-based option indexes for single/multiple choice.
      True/false questions use ``answer_true`` instead and keep ``options``
      and ``correct`` empty.  Fill-in-the-blank questions use
      ``accepted_answers``.
    * ``option_weights`` are GIFT percentages (100 = full credit, -50 = minus
      half) aligned with ``options`` (or with ``accepted_answers`` for fill);
      ``None`` means "the kind's default rule".
    * ``option_feedback`` is aligned the same way; for true/false it is
      ``[shown when the student answers 对, shown when the student answers 错]``.
    * The ``source_*`` fields only say where the question came from, so they
      don't take part in equality: a round trip through a file must compare
      equal to the original.
    """

    kind: str
    stem: str
    options: list[str] = field(default_factory=list)
    correct: list[int] = field(default_factory=list)
    answer_true: bool | None = None
    accepted_answers: list[str] = field(default_factory=list)
    option_weights: list[float] | None = None
    option_feedback: list[str] | None = None
    explanation: str = ""
    difficulty: str | None = None
    tags: list[str] = field(default_factory=list)
    name: str | None = None
    text_format: str = "plain"
    source_line: int | None = field(default=None, compare=False)
    source_row: int | None = field(default=None, compare=False)

    def fingerprint(self) -> str:
        """Stable hash of what makes two questions "the same question".

        Only kind, stem and options count: re-importing a file whose
        explanations were polished should still be recognised as duplicates.
        """
        payload = json.dumps(
            [
                self.kind,
                normalise_for_comparison(self.stem),
                [normalise_for_comparison(option) for option in self.options],
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class FormatProblem(ValueError):
    """A question a kind cannot build from a file row/block: the Chinese reason and,
    for spreadsheets, the column to look at."""

    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass
class ImportIssue:
    """A problem found in an uploaded file.

    ``message`` is the bare reason in Chinese; ``str(issue)`` prefixes the
    location, e.g. "第 5 行，答案：单选题的答案“E”不在选项中".  Line/row 0
    means the whole file (not a spreadsheet, wrong encoding, too many rows…).
    """

    line_or_row: int
    column: str | None
    message: str
    severity: str = "error"  # 'error' | 'unsupported'

    def __str__(self) -> str:
        where = f"第 {self.line_or_row} 行" if self.line_or_row else "文件"
        if self.column:
            where += f"，{self.column}"
        return f"{where}：{self.message}"


@dataclass
class ImportResult:
    questions: list[QuestionData] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)

    @property
    def errors(self) -> list[ImportIssue]:
        return [issue for issue in self.issues if issue.severity == "error"]

    @property
    def unsupported(self) -> list[ImportIssue]:
        return [issue for issue in self.issues if issue.severity == "unsupported"]

    @property
    def ok(self) -> bool:
        """True when nothing was wrong; skipped unsupported types don't count."""
        return not self.errors

    def error(self, where: int, message: str, column: str | None = None) -> None:
        self.issues.append(ImportIssue(where, column, message, "error"))

    def skip(self, where: int, message: str, column: str | None = None) -> None:
        self.issues.append(ImportIssue(where, column, message, "unsupported"))
