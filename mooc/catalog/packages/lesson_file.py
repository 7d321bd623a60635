"""One lesson file: "+++" TOML front matter followed by the Markdown body.

    +++
    title = "三会一课的线上记录"
    kind = "text"
    +++

    正文……

Both halves are split here with their line numbers kept, so errors found
in either half point at the right line of the file.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import tomli_w

from mooc.catalog.packages.tomlpos import TomlLines, parse_toml

FENCE = "+++"


class FrontMatterError(ValueError):
    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class LessonFile:
    front: dict[str, Any]
    locate: TomlLines
    body: str
    body_first_line: int  # file line (1-based) of the body's first line


def split_lesson_file(text: str) -> LessonFile:
    """Parse a lesson file; raises FrontMatterError with the offending line."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or lines[0].strip() != FENCE:
        raise FrontMatterError("课时文件必须以单独一行的“+++”开头，后面是 TOML 格式的课时设置", 1)
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == FENCE), None)
    if closing is None:
        raise FrontMatterError("课时设置缺少结尾的“+++”行", 1)
    toml_text = "\n".join(lines[1:closing])
    front, line, message = parse_toml(toml_text)
    if front is None:
        # TOML line 1 is file line 2 (line 1 is the opening "+++").
        raise FrontMatterError(message or "TOML 格式错误", None if line is None else line + 1)
    body_lines = lines[closing + 1:]
    skipped = 0
    while skipped < len(body_lines) and not body_lines[skipped].strip():
        skipped += 1
    body = "\n".join(body_lines[skipped:]).rstrip()
    return LessonFile(front, TomlLines(toml_text, first_line=2), body, closing + 2 + skipped)


def join_lesson_file(front: dict[str, Any], body: str) -> str:
    """The canonical text of a lesson file (what the writer produces)."""
    text = f"{FENCE}\n{tomli_w.dumps(front)}{FENCE}\n"
    body = body.strip("\n").rstrip()
    return text + (f"\n{body}\n" if body else "")
