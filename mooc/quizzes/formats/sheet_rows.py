"""Question ⇄ spreadsheet row, per question kind (the rest of sheet.py is file handling).

A row's 题型 picks the kind (`QuestionKind.sheet_words`); the kind reads its
options and answer (`from_row`, via `SheetRow`) and writes them (`to_row`). The
columns every kind shares — 题目, 解析, 难度, 标签 — are read and written here.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable

from mooc.quizzes import kinds
from mooc.quizzes.formats.common import FormatProblem, ImportResult, QuestionData

TEMPLATE_OPTION_COUNT = 6  # 选项A–选项F; readers also accept 选项G… up to 选项Z
_TAG_SEPARATORS = re.compile(r"[,，、;；\s]+")
DIFFICULTY_WORDS = {"易": "easy", "简单": "easy", "容易": "easy", "easy": "easy",
                    "中": "medium", "中等": "medium", "一般": "medium", "medium": "medium",
                    "难": "hard", "困难": "hard", "较难": "hard", "hard": "hard"}
DIFFICULTY_LABELS = {"easy": "易", "medium": "中", "hard": "难"}

def option_letter(index: int) -> str:
    return chr(ord("A") + index)


def option_column(index: int) -> str:
    return "选项" + option_letter(index)


def header_columns(option_count: int) -> list[str]:
    return ["题型", "题目", *(option_column(i) for i in range(option_count)),
            "答案", "解析", "难度", "标签"]


class SheetRow:
    """One data row as a question kind reads it (`QuestionKind.from_row`)."""

    def __init__(self, cells: list[str], columns: dict[str, int], option_columns: list[str]):
        self.cells = cells
        self.columns = columns
        self.option_columns = option_columns

    def cell(self, name: str) -> str:
        index = self.columns.get(name)
        return self.cells[index] if index is not None and index < len(self.cells) else ""

    def answer(self) -> str:
        answer = self.cell("答案")
        if not answer:
            raise FormatProblem("答案不能为空", "答案")
        return answer

    def options(self, label: str) -> list[str]:
        """The 选项A… cells up to the last filled one: no gaps, at least two."""
        options = [self.cell(name) for name in self.option_columns]
        while options and not options[-1]:
            options.pop()
        for index, option in enumerate(options):
            if not option:
                column = self.option_columns[index]
                raise FormatProblem(f"{column}为空，但后面还有选项", column)
        if len(options) < 2:
            raise FormatProblem(f"{label}至少需要两个选项", option_column(len(options)))
        return options


def _kind_words() -> str:
    """"单选、多选、判断或填空": each kind's short sheet word."""
    words = [kind.sheet_words[0] if kind.sheet_words else kind.label_zh
             for kind in kinds.KINDS.values()]
    return "、".join(words[:-1]) + f"或{words[-1]}" if len(words) > 1 else "".join(words)


class RowReader:
    def __init__(self, result: ImportResult, columns: dict[str, int]) -> None:
        self.result = result
        self.columns = columns
        self.option_columns = sorted(name for name in columns if name.startswith("选项"))

    def read(self, row_number: int, cells: list[str]) -> None:
        row = SheetRow(cells, self.columns, self.option_columns)
        cell = row.cell
        problems: list[tuple[str | None, str]] = []
        kind = kinds.kind_for_sheet_word(unicodedata.normalize("NFKC", cell("题型")).strip())
        if not cell("题型"):
            problems.append(("题型", "题型不能为空"))
        elif kind is None:
            problems.append(("题型", f"无法识别的题型“{cell('题型')}”，应为{_kind_words()}"))
        if not cell("题目"):
            problems.append(("题目", "题目不能为空"))

        q = QuestionData(kind=kind.name if kind else "", stem=cell("题目"),
                         explanation=cell("解析"), source_row=row_number)
        if kind:
            try:
                kind.from_row(q, row)
            except FormatProblem as problem:
                problems.append((problem.column, problem.message))
        difficulty_text = unicodedata.normalize("NFKC", cell("难度")).strip().lower()
        if difficulty_text:
            q.difficulty = DIFFICULTY_WORDS.get(difficulty_text)
            if q.difficulty is None:
                problems.append(("难度", f"无法识别的难度“{cell('难度')}”，应为易、中、难（可留空）"))
        q.tags = list(dict.fromkeys(t for t in _TAG_SEPARATORS.split(cell("标签")) if t))

        if not problems:
            problems = [(None, message) for message in kinds.validate(q)]
        for column, message in problems:
            self.result.error(row_number, message, column)
        if not problems:
            self.result.questions.append(q)


def question_rows(questions: Iterable[QuestionData]) -> tuple[list[str], list[list[str]]]:
    questions = list(questions)
    option_count = max([TEMPLATE_OPTION_COUNT]
                       + [len(kinds.kind_of(q.kind).to_row(q)[0]) for q in questions])
    rows = []
    for q in questions:
        kind = kinds.kind_of(q.kind)
        options, answer = kind.to_row(q)
        options = options + [""] * (option_count - len(options))
        rows.append([kind.label_zh, q.stem, *options, answer,
                     q.explanation, DIFFICULTY_LABELS.get(q.difficulty or "", ""),
                     "，".join(q.tags)])
    return header_columns(option_count), rows
