"""Markdown text from formatted pieces of a Word paragraph: escaping, emphasis, links."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_MARKDOWN_SPECIALS = set("\\`*_[]<>~")
_BLOCK_START = re.compile(r"^(\s*)([#>+=-]|\d{1,9}[.)])")


@dataclass
class Piece:
    """A stretch of paragraph content with one formatting.

    ``text`` is raw text (escaped on output) unless ``markdown`` is set,
    in which case it is ready-made Markdown (an image, a line break).
    """

    text: str
    bold: bool = False
    italic: bool = False
    link: str | None = None
    markdown: bool = False


def escape_markdown(text: str) -> str:
    return "".join("\\" + char if char in _MARKDOWN_SPECIALS else char for char in text)


def protect_line_start(text: str) -> str:
    """Keep a paragraph that merely starts with "1." or "-" from becoming a list."""
    match = _BLOCK_START.match(text)
    if not match:
        return text
    marker = match.group(2)
    escaped = marker[:-1] + "\\" + marker[-1] if marker[-1] in ".)" else "\\" + marker
    return match.group(1) + escaped + text[match.end():]


def render_pieces(pieces: list[Piece], plain: bool = False) -> str:
    """Markdown for a run of pieces: emphasis merged, links wrapped, text escaped."""
    merged: list[Piece] = []
    for piece in pieces:
        last = merged[-1] if merged else None
        if (last and not piece.markdown and not last.markdown
                and (last.bold, last.italic, last.link) == (piece.bold, piece.italic, piece.link)):
            last.text += piece.text
        elif piece.markdown or piece.text:
            merged.append(Piece(piece.text, piece.bold, piece.italic, piece.link, piece.markdown))
    out: list[str] = []
    index = 0
    while index < len(merged):
        link = merged[index].link
        end = index
        while end < len(merged) and merged[end].link == link:
            end += 1
        group = merged[index:end]
        before = _last_char(out)
        after = _first_char(merged[end].text) if end < len(merged) else ""
        inner = _render_group(group, plain, before if not link else "[", after if not link else "]")
        if link and inner.strip():
            destination = f"<{link}>" if re.search(r"[\s()<>]", link) else link
            out.append(f"[{inner}]({destination})")
        else:
            out.append(inner)
        index = end
    return "".join(out)


def _render_group(group: list[Piece], plain: bool, before: str, after: str) -> str:
    """Pieces sharing one link; ``before``/``after`` are the characters around the group."""
    out: list[str] = []
    for position, piece in enumerate(group):
        if piece.markdown:
            out.append(piece.text)
            continue
        if plain or not (piece.bold or piece.italic):
            out.append(escape_markdown(piece.text))
            continue
        previous = _last_char(out) or before
        following = (_first_char(group[position + 1].text) if position + 1 < len(group) else after)
        marker = "***" if piece.bold and piece.italic else "**" if piece.bold else "*"
        out.append(_emphasis(piece.text, marker, previous, following))
    return "".join(out)


def _last_char(out: list[str]) -> str:
    for text in reversed(out):
        if text:
            return text[-1]
    return ""


def _first_char(text: str) -> str:
    return text[:1]


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith(("P", "S"))


def _emphasis(text: str, marker: str, previous: str, following: str) -> str:
    """Wrap ``text`` in emphasis markers so CommonMark actually sees emphasis.

    Markers must hug non-space text, and next to CJK letters they may not
    sit inside punctuation (**“甲”**乙 does not render), so spaces and such
    punctuation move outside the markers.
    """
    lead = len(text) - len(text.lstrip())
    trail = len(text) - len(text.rstrip())
    head, core, tail = text[:lead], text[lead:len(text) - trail], text[len(text) - trail:]
    if not head and previous and not previous.isspace() and not _is_punctuation(previous):
        while core and _is_punctuation(core[0]):
            head, core = head + core[0], core[1:]
    if not tail and following and not following.isspace() and not _is_punctuation(following):
        while core and _is_punctuation(core[-1]):
            core, tail = core[:-1], core[-1] + tail
    if not core:
        return escape_markdown(text)
    return escape_markdown(head) + marker + escape_markdown(core) + marker + escape_markdown(tail)
