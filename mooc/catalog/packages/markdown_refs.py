"""Local files referenced from lesson Markdown: find them, check them, rewrite them.

A lesson lives in ``lessons/``, so standard Markdown tools (editors, git
hosting previews) resolve ``![图](../media/a.png)`` correctly.  Authors also
write ``media/a.png`` out of habit, so both are accepted:

* a target starting with ``./`` or ``../`` is relative to ``lessons/``;
* a bare file name ending in ``.md`` ("02-x.md") is another lesson;
* anything else ("media/a.png") is relative to the package root.

URLs with a scheme (https:, mailto:), site paths ("/static/…") and anchors
("#part") are not local files and are left alone.  Code blocks and inline
code are skipped: an example of Markdown syntax is not a reference.

Only inline links/images and reference definitions are recognised; that is
everything CommonMark allows for a destination.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable
from urllib.parse import unquote

from mooc.catalog.packages.paths import LESSONS_DIR, MediaPathError, normalise_package_path

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_INLINE_CODE = re.compile(r"(`+).*?(?<!`)\1(?!`)")
_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[(?:\\.|[^\]\\])+\]:[ \t]*")
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


@dataclass(frozen=True)
class MarkdownRef:
    """One local link or image destination.

    ``line`` is 0-based within the Markdown text, ``start``/``end`` the
    span of the destination as written (angle brackets excluded) in that
    line.  ``package_path`` is the canonical package path, or None with
    ``error`` saying why the target is unusable (escapes the package…).
    """

    line: int
    start: int
    end: int
    target: str
    package_path: str | None
    error: str | None = None
    is_image: bool = False


@lru_cache(maxsize=1)
def _parser():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


def _code_lines(text: str) -> set[int]:
    """0-based lines inside fenced/indented code and raw HTML blocks."""
    lines: set[int] = set()
    for token in _parser().parse(text):
        if token.type in ("fence", "code_block", "html_block") and token.map:
            lines.update(range(token.map[0], token.map[1]))
    return lines


def _destination(line: str, at: int) -> tuple[int, int] | None:
    """Span of a link destination starting at ``at``, if a link really follows.

    Checks the optional title and the closing parenthesis, so prose such as
    "[注](见下文 第二节)" is not mistaken for a link.
    """
    i = at
    while i < len(line) and line[i] in " \t":
        i += 1
    if i < len(line) and line[i] == "<":
        close = line.find(">", i + 1)
        if close < 0:
            return None
        start, end, i = i + 1, close, close + 1
    else:
        start, depth = i, 0
        while i < len(line) and not line[i].isspace():
            char = line[i]
            if char == "\\" and i + 1 < len(line):
                i += 2
                continue
            if char == "(":
                depth += 1
            elif char == ")":
                if depth == 0:
                    break
                depth -= 1
            i += 1
        end = i
    return start, end


def _closes_inline_link(line: str, end: int) -> bool:
    rest = line[end:].lstrip(" \t")
    if rest.startswith(")"):
        return True
    title = re.match(r"""("[^"]*"|'[^']*'|\([^()]*\))[ \t]*\)""", rest)
    return bool(title) and rest[:1] in "\"'("


def _opens_image(masked: str, close: int) -> bool:
    """Whether the "]" at ``close`` ends the text of an image (``![…]``)."""
    depth = 0
    for i in range(close - 1, -1, -1):
        char = masked[i]
        if char == "]" and (i == 0 or masked[i - 1] != "\\"):
            depth += 1
        elif char == "[" and (i == 0 or masked[i - 1] != "\\"):
            if depth == 0:
                return i > 0 and masked[i - 1] == "!"
            depth -= 1
    return False


def resolve_target(target: str) -> tuple[str | None, str | None]:
    """(package path, None), (None, Chinese error) or (None, None) if not local."""
    if not target or target.startswith(("#", "/", "?")) or _SCHEME.match(target):
        return None, None
    path = unquote(_BACKSLASH_ESCAPE.sub(r"\1", re.split(r"[?#]", target, maxsplit=1)[0]))
    if not path:
        return None, None
    written = path
    if path.startswith(("./", "../")) or ("/" not in path and path.endswith(".md")):
        path = f"{LESSONS_DIR}/{path}"
    try:
        return normalise_package_path(path), None
    except MediaPathError as error:
        # Name the path as the author wrote it, not with our "lessons/" prefix.
        return None, str(error).replace(f"“{path}”", f"“{written}”")


def local_targets(markdown: str) -> list[MarkdownRef]:
    """Every local file the Markdown links to or shows, in document order."""
    if not markdown:
        return []
    code = _code_lines(markdown)
    refs: list[MarkdownRef] = []
    for number, line in enumerate(markdown.split("\n")):
        if number in code:
            continue
        spans: list[tuple[int, int, bool]] = []
        definition = _REFERENCE_DEFINITION.match(line)
        if definition:
            span = _destination(line, definition.end())
            if span and span[1] > span[0]:
                spans.append((*span, False))
        masked = _INLINE_CODE.sub(lambda m: " " * len(m.group(0)), line)
        for match in re.finditer(r"\]\(", masked):
            span = _destination(line, match.end())
            if span and _closes_inline_link(line, span[1] + (line[span[1]:span[1] + 1] == ">")):
                spans.append((*span, _opens_image(masked, match.start())))
        for start, end, is_image in sorted(spans):
            target = line[start:end]
            package_path, error = resolve_target(target)
            if package_path or error:
                refs.append(MarkdownRef(number, start, end, target, package_path, error, is_image))
    return refs


def rewrite_targets(markdown: str, replace: Callable[[MarkdownRef], str | None]) -> str:
    """Markdown with each local destination replaced by ``replace(ref)``.

    ``replace`` returns the new destination (a URL) or None to keep the
    original.  Destinations containing spaces are wrapped in <…>.
    """
    lines = markdown.split("\n")
    by_line: dict[int, list[MarkdownRef]] = {}
    for ref in local_targets(markdown):
        by_line.setdefault(ref.line, []).append(ref)
    for number, refs in by_line.items():
        line = lines[number]
        for ref in sorted(refs, key=lambda r: r.start, reverse=True):
            new = replace(ref)
            if new is None:
                continue
            bracketed = ref.start > 0 and line[ref.start - 1] == "<"
            if (" " in new or "(" in new or ")" in new) and not bracketed:
                new = f"<{new}>"
            line = line[:ref.start] + new + line[ref.end:]
        lines[number] = line
    return "\n".join(lines)
