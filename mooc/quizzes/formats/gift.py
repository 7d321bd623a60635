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

The parser never raises: every problem becomes an `ImportIssue` carrying the
line number of the question (or of the offending brace).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Iterable

from mooc.quizzes import kinds
from mooc.quizzes.formats.common import BLANK, ImportResult, QuestionData, decode_text

_ESCAPABLE = "\\~=#{}:>"
_FORMAT_NAMES = {"plain": "plain", "moodle": "plain", "markdown": "markdown", "html": "html"}
_FORMAT_PREFIX = re.compile(r"\[\s*([A-Za-z]+)\s*\]")
_WEIGHT = re.compile(r"%(-?\d+(?:\.\d+)?)%")
_TAG_COMMENT = re.compile(r"\[tag:((?:\\\]|[^\]])+)\]")
_DIFFICULTY_COMMENT = re.compile(r"\[difficulty:([^\]]*)\]")
_DIFFICULTY_WORDS = {"easy": "easy", "易": "easy", "medium": "medium", "中": "medium",
                     "hard": "hard", "难": "hard"}
_CATEGORY_NOISE = re.compile(r"^(\$\w+\$/)?(top/)?")
_TRUE_FALSE_WORDS = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_WEIGHT_TOLERANCE = 1e-4


# --------------------------------------------------------------------------
# Escape-aware text
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class _Block:
    """Where a blank-line separated block sits in the file, for line numbers."""

    first_line: int
    newline_offsets: list[int]  # offsets of real (unescaped) newlines

    def line_at(self, offset: int) -> int:
        return self.first_line + bisect.bisect_left(self.newline_offsets, offset)


@dataclass(frozen=True)
class _Text:
    """Unescaped text plus a mask in which escaped characters are hidden.

    Structural characters (``{ } ~ = # :``) are searched for in ``mask``, so
    ``\\=`` never splits an answer; ``text`` holds what the user meant.  Both
    strings have the same length, so one index works for both.
    """

    text: str
    mask: str
    start: int
    block: _Block

    def cut(self, begin: int, end: int | None = None) -> "_Text":
        end = len(self.text) if end is None else end
        return _Text(self.text[begin:end], self.mask[begin:end], self.start + begin, self.block)

    def strip(self) -> "_Text":
        begin = len(self.text) - len(self.text.lstrip())
        return self.cut(begin, max(begin, len(self.text.rstrip())))

    def line(self, offset: int = 0) -> int:
        return self.block.line_at(self.start + offset)

    def split_at(self, chars: str) -> list[tuple[str, "_Text"]]:
        """Pieces after each unescaped marker in ``chars``; the lead-in gets marker ''."""
        pieces, marker, begin = [], "", 0
        for offset, char in enumerate(self.mask):
            if char in chars:
                pieces.append((marker, self.cut(begin, offset)))
                marker, begin = char, offset + 1
        pieces.append((marker, self.cut(begin)))
        return pieces


def _unescape(raw: str, first_line: int) -> _Text:
    text, mask, newlines = [], [], []
    i = 0
    while i < len(raw):
        char = raw[i]
        following = raw[i + 1] if i + 1 < len(raw) else ""
        if char == "\\" and (following in _ESCAPABLE or following == "n") and following:
            text.append("\n" if following == "n" else following)
            mask.append("\0")
            i += 2
            continue
        if char == "\n":
            newlines.append(len(text))
        text.append(char)
        mask.append(char)
        i += 1
    return _Text("".join(text), "".join(mask), 0, _Block(first_line, newlines))


def _without_format(part: _Text) -> tuple[str | None, _Text]:
    part = part.strip()
    match = _FORMAT_PREFIX.match(part.mask)
    if match and match.group(1).lower() in _FORMAT_NAMES:
        return _FORMAT_NAMES[match.group(1).lower()], part.cut(match.end()).strip()
    return None, part


def _plain(part: _Text) -> str:
    return _without_format(part)[1].text.strip()


def _split_feedback(part: _Text) -> tuple[_Text, str]:
    hash_at = part.mask.find("#")
    if hash_at < 0:
        return part, ""
    return part.cut(0, hash_at), _plain(part.cut(hash_at + 1))


def _take_weight(part: _Text) -> tuple[float | None, _Text]:
    part = part.strip()
    match = _WEIGHT.match(part.mask)
    if not match:
        return None, part
    return float(match.group(1)), part.cut(match.end())


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
        whole = _unescape("\n".join(lines), first_line).strip()
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

    def read_question(self, whole: _Text) -> QuestionData | None:
        line = whole.line()
        name = None
        if whole.mask.startswith("::"):
            name_end = whole.mask.find("::", 2)
            if name_end < 0:
                self.result.error(line, "题目名称缺少结尾的“::”")
                return None
            name = whole.cut(2, name_end).text.strip() or None
            whole = whole.cut(name_end + 2).strip()
        text_format, whole = _without_format(whole)

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
            explanation = _plain(answers.cut(feedback_at + 4))
            answers = answers.cut(0, feedback_at)
        answers = answers.strip()

        q = QuestionData(kind="", stem=stem.strip(), explanation=explanation, name=name,
                         text_format=text_format or "plain", source_line=line)
        unsupported = self.unsupported_type(answers.mask)
        if unsupported:
            self.result.skip(line, f"不支持的题型“{unsupported}”，已跳过")
            return None
        if "~" in answers.mask:
            return self.read_choice(q, answers)
        head, _ = _split_feedback(answers)
        if head.text.strip().upper() in _TRUE_FALSE_WORDS:
            return self.read_true_false(q, answers)
        return self.read_short_answer(q, answers)

    def find_answer_braces(self, whole: _Text) -> tuple[int, int] | None:
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

    @staticmethod
    def unsupported_type(mask: str) -> str | None:
        if not mask:
            return "问答题"
        if mask.startswith("#"):
            return "数值题"
        if "~" not in mask and "=" in mask and "->" in mask:
            return "匹配题"
        return None

    def read_choice(self, q: QuestionData, answers: _Text) -> QuestionData | None:
        pieces = answers.split_at("~=")
        _, lead = pieces[0]
        if lead.text.strip():
            self.result.error(q.source_line, "选项必须以“~”（错误选项）或“=”（正确选项）开头")
            return None
        options, weights, feedback, marked_right = [], [], [], []
        for marker, piece in pieces[1:]:
            weight = None
            if marker == "~":
                weight, piece = _take_weight(piece)
            text, option_feedback = _split_feedback(piece)
            options.append(_plain(text))
            feedback.append(option_feedback)
            marked_right.append(marker == "=")
            weights.append(100.0 if marker == "=" else (weight or 0.0))
        q.options = options
        q.option_feedback = feedback if any(feedback) else None
        right = [i for i, is_right in enumerate(marked_right) if is_right]
        weighted = any(w != 0 for w, is_right in zip(weights, marked_right) if not is_right)

        if len(right) == 1:
            q.kind, q.correct = "single", right
            q.option_weights = weights if weighted else None
        elif len(right) > 1:
            if weighted:
                self.result.error(q.source_line, "有多个“=”正确答案时不能再使用百分比权重")
                return None
            q.kind, q.correct = "multiple", right
        else:
            q.kind, q.correct = "multiple", [i for i, w in enumerate(weights) if w > 0]
            if not q.correct:
                self.result.error(q.source_line, "没有正确答案：请用“=”标出正确选项，"
                                                 "或用正的百分比权重（如 ~%50%）标出多选题的正确选项")
                return None
            q.option_weights = None if _is_default_rule(weights, q.correct) else weights
        return q

    def read_true_false(self, q: QuestionData, answers: _Text) -> QuestionData:
        parts = [piece for _, piece in answers.split_at("#")]
        q.kind, q.answer_true = "truefalse", _TRUE_FALSE_WORDS[parts[0].text.strip().upper()]
        # GIFT: {T#shown to a wrong answer#shown to a right answer}; ours is [对, 错].
        wrong = _plain(parts[1]) if len(parts) > 1 else ""
        right = _plain(answers.cut(parts[2].start - answers.start)) if len(parts) > 2 else ""
        if wrong or right:
            q.option_feedback = [right, wrong] if q.answer_true else [wrong, right]
        return q

    def read_short_answer(self, q: QuestionData, answers: _Text) -> QuestionData:
        accepted, weights, feedback = [], [], []
        for marker, piece in answers.split_at("="):
            if not marker and not piece.text.strip():
                continue  # nothing before the first "="
            weight, piece = _take_weight(piece)
            text, answer_feedback = _split_feedback(piece)
            accepted.append(_plain(text))
            weights.append(100.0 if weight is None else weight)
            feedback.append(answer_feedback)
        q.kind, q.accepted_answers = "fill", accepted
        q.option_weights = None if all(w == 100 for w in weights) else weights
        q.option_feedback = feedback if any(feedback) else None
        return q


def _default_rule_weights(option_count: int, correct: list[int]) -> list[float]:
    """The weights our default multiple-choice rule implies: ±100 / number right."""
    share = 100 / len(correct)
    return [share if i in correct else -share for i in range(option_count)]


def _is_default_rule(weights: list[float], correct: list[int]) -> bool:
    implied = _default_rule_weights(len(weights), correct)
    return all(abs(a - b) < _WEIGHT_TOLERANCE for a, b in zip(weights, implied))


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

def _escape(text: str) -> str:
    escaped = "".join(
        "\\" + char if char in "\\~=#{}:" else "\\n" if char == "\n" else char
        for char in text.replace("\r\n", "\n").replace("\r", "\n")
    )
    return escaped.replace("->", "-\\>")


def _looks_like_format_tag(text: str) -> bool:
    match = _FORMAT_PREFIX.match(text)
    return bool(match and match.group(1).lower() in _FORMAT_NAMES)


def _protected(text: str, text_format: str, *, always_tag: bool = False,
               at_line_start: bool = False) -> str:
    """Escape ``text``, adding an explicit format tag where it would be misread.

    A leading "[html]" would be taken as a format and a leading "//" as a
    comment; GIFT has no escape for either, but a format tag in front
    shields both.
    """
    needs_tag = always_tag or _looks_like_format_tag(text)
    needs_tag = needs_tag or (at_line_start and text.startswith("//"))
    return (f"[{text_format}]" if needs_tag else "") + _escape(text)


def _format_weight(weight: float) -> str:
    if float(weight).is_integer():
        return str(int(weight))
    text = repr(float(weight))
    return text if "e" not in text else f"{weight:.10f}".rstrip("0").rstrip(".")


def _answer_text(text: str, feedback: str, text_format: str) -> str:
    written = _protected(text, text_format)
    if feedback:
        written += "#" + _protected(feedback, text_format)
    return written


def _choice_answers(q: QuestionData) -> list[str]:
    feedback = q.option_feedback or [""] * len(q.options)
    if q.kind == "single":
        weights = q.option_weights or [0.0] * len(q.options)
        markers = ["=" if i in q.correct else f"~%{_format_weight(weights[i])}%"
                   if weights[i] or _WEIGHT.match(option) else "~"
                   for i, option in enumerate(q.options)]
    else:
        weights = q.option_weights or [round(w, 5) for w in
                                       _default_rule_weights(len(q.options), q.correct)]
        markers = [f"~%{_format_weight(w)}%" for w in weights]
    return [marker + _answer_text(option, fb, q.text_format)
            for marker, option, fb in zip(markers, q.options, feedback)]


def _fill_answers(q: QuestionData) -> list[str]:
    feedback = q.option_feedback or [""] * len(q.accepted_answers)
    weights = q.option_weights or [100.0] * len(q.accepted_answers)
    answers = []
    for answer, weight, fb in zip(q.accepted_answers, weights, feedback):
        explicit = q.option_weights is not None or _WEIGHT.match(answer)
        prefix = f"=%{_format_weight(weight)}%" if explicit else "="
        answers.append(prefix + _answer_text(answer, fb, q.text_format))
    return answers


def _true_false_answer(q: QuestionData) -> str:
    written = "TRUE" if q.answer_true else "FALSE"
    if q.option_feedback and any(q.option_feedback):
        if_true, if_false = q.option_feedback
        right, wrong = (if_true, if_false) if q.answer_true else (if_false, if_true)
        # Same shape as Moodle's exporter: "#wrong#right", "#wrong" or "##right".
        written += "#" + _protected(wrong, q.text_format) if wrong else "#"
        if right:
            written += "#" + _protected(right, q.text_format)
    return written


def write_question(q: QuestionData) -> str:
    lines = [f"// [tag:{tag.replace(']', chr(92) + ']')}]" for tag in q.tags]
    if q.difficulty:
        lines.append(f"// [difficulty:{q.difficulty}]")
    head = f"::{_escape(q.name)}::" if q.name else ""
    stem = _protected(q.stem, q.text_format, always_tag=q.text_format != "plain",
                      at_line_start=not head)
    if q.kind in ("single", "multiple"):
        answer_lines = _choice_answers(q)
    elif q.kind == "fill":
        answer_lines = _fill_answers(q)
    elif q.kind == "truefalse":
        answer_lines = [_true_false_answer(q)]
    else:
        raise ValueError(f"无法导出未知题型“{q.kind}”")
    if q.explanation:
        answer_lines.append("####" + _protected(q.explanation, q.text_format))
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
