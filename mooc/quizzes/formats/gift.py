"""Moodle GIFT reader and writer.

Follows Moodle's own importer (question/format/gift/format.php) so files
written for Moodle import the same way here.  Where we differ, it is on
purpose:

* several ``=`` answers among ``~`` answers make a 多选题 (all of them must
  be chosen); Moodle would make a single choice with several right answers.
* ``~`` answers with positive ``%weight%`` and no ``=`` make a 多选题, as in
  Moodle.  Weights equivalent to our default partial-credit rule are dropped
  (``option_weights=None``), so what we write reads back identically.
* ``// [tag:…]`` comments (Moodle 3.x+) become tags, as does ``$CATEGORY:``;
  ``// [difficulty:easy|medium|hard]`` is our own comment, which Moodle ignores.
* ``\\>`` escapes ``>``: GIFT has no way to write ``->`` inside an answer
  without it looking like a matching question, so the writer emits ``-\\>``.
* ``[moodle]`` (Moodle's auto-format) is read as plain text; missing-word
  questions get ``____`` where the answer braces were.
* matching, numerical, essay and description questions are reported as
  unsupported and skipped, never half-imported.

This module parses the shared syntax (names, format tags, braces, comments);
which kind an answer block is, and the question's data, is decided by the
question kinds (`gift_matches` in `gift_priority` order, `from_gift`), and each
kind writes its own answers (`to_gift`).  Moodle's types none of our kinds
claims are reported as unsupported.

The parser never raises: every problem becomes an `ImportIssue` carrying the
line number of the question (or of the offending brace).
"""
from __future__ import annotations

import re
from typing import Iterable

from mooc.quizzes import kinds
from mooc.quizzes.formats.common import (BLANK, FormatProblem, ImportResult, QuestionData,
                                         decode_text)
from mooc.quizzes.formats.gift_text import (GiftAnswers, Text, escape, plain, protected,
                                            unescape, without_format)

_TAG_COMMENT = re.compile(r"\[tag:((?:\\\]|[^\]])+)\]")
_DIFFICULTY_COMMENT = re.compile(r"\[difficulty:([^\]]*)\]")
_DIFFICULTY_WORDS = {"easy": "easy", "易": "easy", "medium": "medium", "中": "medium",
                     "hard": "hard", "难": "hard"}
_CATEGORY_NOISE = re.compile(r"^(\$\w+\$/)?(top/)?")


# --------------------------------------------------------------------------
# Reader
# --------------------------------------------------------------------------

def _blocks(text: str) -> Iterable[tuple[int, list[str]]]:
    """Blank-line separated blocks as (first line number, lines)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    current: list[str] = []
    first = 1
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not current:
                first = number
            current.append(line)
        elif current:
            yield first, current
            current = []
    if current:
        yield first, current


class _Reader:
    def __init__(self) -> None:
        self.result = ImportResult()
        self.category: str | None = None

    def read_block(self, first_line: int, lines: list[str]) -> None:
        is_comment = [line.lstrip().startswith("//") for line in lines]
        comments = [line.strip() for line, comment in zip(lines, is_comment) if comment]
        # Comment lines become empty rather than disappearing so line numbers stay right.
        lines = ["" if comment else line for line, comment in zip(lines, is_comment)]
        for index, line in enumerate(lines):
            if line.strip():
                if line.lstrip().startswith("$CATEGORY:"):
                    # Moodle drops anything after a category line in the same block; we read it.
                    category = line.lstrip()[len("$CATEGORY:"):].strip()
                    self.category = _CATEGORY_NOISE.sub("", category).strip() or None
                    lines[index] = ""
                break
        whole = unescape("\n".join(lines), first_line).strip()
        if not whole.text:
            return
        question = self.read_question(whole)
        if question is None:
            return
        problems = self.add_comment_metadata(question, comments) + kinds.validate(question)
        for problem in problems:
            self.result.error(question.source_line, problem)
        if not problems:
            self.result.questions.append(question)

    def add_comment_metadata(self, q: QuestionData, comments: list[str]) -> list[str]:
        problems = []
        tags = [self.category] if self.category else []
        for comment in comments:
            tags += [raw.replace("\\]", "]").strip() for raw in _TAG_COMMENT.findall(comment)]
            for raw in _DIFFICULTY_COMMENT.findall(comment):
                q.difficulty = _DIFFICULTY_WORDS.get(raw.strip().lower())
                if q.difficulty is None:
                    problems.append(f"无法识别的难度“{raw.strip()}”，应为 easy、medium 或 hard")
        q.tags = list(dict.fromkeys(tag for tag in tags if tag))
        return problems

    def read_question(self, whole: Text) -> QuestionData | None:
        line = whole.line()
        name = None
        if whole.mask.startswith("::"):
            name_end = whole.mask.find("::", 2)
            if name_end < 0:
                self.result.error(line, "题目名称缺少结尾的“::”")
                return None
            name = whole.cut(2, name_end).text.strip() or None
            whole = whole.cut(name_end + 2).strip()
        text_format, whole = without_format(whole)

        braces = self.find_answer_braces(whole)
        if braces is None:
            return None
        open_at, close_at = braces
        before, after = whole.cut(0, open_at).text, whole.cut(close_at + 1).text
        # Moodle's missing-word format: text after the answers means the blank is mid-sentence.
        stem = (before + BLANK + after) if after.strip() else before

        answers = whole.cut(open_at + 1, close_at)
        explanation = ""
        feedback_at = answers.mask.rfind("####")
        if feedback_at >= 0:
            explanation = plain(answers.cut(feedback_at + 4))
            answers = answers.cut(0, feedback_at)
        answers = answers.strip()

        q = QuestionData(kind="", stem=stem.strip(), explanation=explanation, name=name,
                         text_format=text_format or "plain", source_line=line)
        block = GiftAnswers(answers, line)
        kind = next((kind for kind in kinds.gift_kinds() if kind.gift_matches(block)), None)
        if kind is None:
            self.result.skip(line, f"不支持的题型“{unsupported_type(answers.mask)}”，已跳过")
            return None
        try:
            return kind.from_gift(q, block)
        except FormatProblem as problem:
            self.result.error(q.source_line, problem.message)
            return None

    def find_answer_braces(self, whole: Text) -> tuple[int, int] | None:
        line = whole.line()
        open_at, close_at = whole.mask.find("{"), whole.mask.find("}")
        if open_at < 0 and close_at < 0:
            self.result.skip(line, "不支持的题型“描述”（没有答案花括号 {}），已跳过")
            return None
        if close_at < 0:
            self.result.error(whole.line(open_at), "花括号没有闭合：“{”缺少对应的“}”")
            return None
        if open_at < 0 or close_at < open_at:
            self.result.error(whole.line(close_at),
                              "“}”前面缺少“{”（题目文字中的花括号请写成 \\{ 和 \\}）")
            return None
        nested = whole.mask.find("{", open_at + 1, close_at)
        if nested >= 0:
            self.result.error(whole.line(nested), "答案中出现了多余的“{”，可能是花括号没有闭合")
            return None
        extra = min((i for i in (whole.mask.find("{", close_at), whole.mask.find("}", close_at + 1))
                     if i >= 0), default=-1)
        if extra >= 0:
            self.result.error(whole.line(extra), "一道题只能有一组答案花括号（题目之间要用空行分隔，"
                                                 "题目文字中的花括号请写成 \\{ 和 \\}）")
            return None
        return open_at, close_at



def unsupported_type(mask: str) -> str:
    """What Moodle would call an answer block none of our kinds claims."""
    if not mask:
        return "问答题"
    if mask.startswith("#"):
        return "数值题"
    if "~" not in mask and "=" in mask and "->" in mask:
        return "匹配题"
    return "未知"


def parse_gift(text: str | bytes) -> ImportResult:
    """Read GIFT text (or the uploaded bytes); problems are reported, never raised."""
    reader = _Reader()
    if isinstance(text, (bytes, bytearray)):
        text = decode_text(bytes(text))
    if not isinstance(text, str):
        reader.result.error(0, "无法读取 GIFT 文件，请保存为 UTF-8 编码的文本文件")
        return reader.result
    for first_line, lines in _blocks(text.lstrip("\ufeff")):
        try:
            reader.read_block(first_line, lines)
        except Exception:  # a parser bug must not take the whole import down
            reader.result.error(first_line, "无法解析这道题（内部错误），已跳过")
    return reader.result


# --------------------------------------------------------------------------
# Writer
# --------------------------------------------------------------------------

def write_question(q: QuestionData) -> str:
    lines = [f"// [tag:{tag.replace(']', chr(92) + ']')}]" for tag in q.tags]
    if q.difficulty:
        lines.append(f"// [difficulty:{q.difficulty}]")
    head = f"::{escape(q.name)}::" if q.name else ""
    stem = protected(q.stem, q.text_format, always_tag=q.text_format != "plain",
                      at_line_start=not head)
    if q.kind not in kinds.KINDS:
        raise ValueError(f"无法导出未知题型“{q.kind}”")
    answer_lines = kinds.KINDS[q.kind].to_gift(q)
    if q.explanation:
        answer_lines.append("####" + protected(q.explanation, q.text_format))
    if len(answer_lines) == 1:
        lines.append(f"{head}{stem} {{{answer_lines[0]}}}")
    else:  # one answer per line, as Moodle exports; escaped text never holds a newline
        lines.append(f"{head}{stem} {{")
        lines += ["\t" + answer for answer in answer_lines]
        lines.append("}")
    return "\n".join(lines)


def write_gift(questions: Iterable[QuestionData]) -> str:
    """GIFT text for ``questions``; `parse_gift` reads it back unchanged."""
    return "".join(write_question(q) + "\n\n" for q in questions)
