"""What a Word paragraph or run *is*, according to its styles and numbering.

Headings, quotes, tables of contents, list items and bold/italic can all come
from a named style (possibly inherited through ``basedOn``) rather than from
direct formatting, so these questions are answered here from styles.xml and
numbering.xml.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from mooc.catalog.docx.wordxml import W, find_path, to_int, toggle_at, val_at

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-6])$", re.IGNORECASE)
_TITLE_STYLES = {"title", "标题"}
# Word's "List Bullet 2" style is a second list with a deeper indent, not
# level 2 of the first one; its number is the nesting the author meant.
_NUMBERED_LIST_STYLE = re.compile(r"^list (?:bullet|number)\s*([2-9])$", re.IGNORECASE)
_QUOTE_STYLES = {"quote", "intense quote", "引用", "明显引用"}
_TOC_STYLE = re.compile(r"^(?:toc|目录)\s*\d*$|^toc heading$", re.IGNORECASE)
_NUMBERING_RELATIONSHIP = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering")


@dataclass
class _Style:
    name: str
    based_on: str | None
    num_id: str | None
    ilvl: int | None
    outline: int | None
    bold: bool | None
    italic: bool | None


def _read_styles(document) -> dict[str, _Style]:
    styles = {}
    for element in document.styles.element.iterchildren(W["style"]):
        style_id = element.get(W["styleId"])
        if style_id:
            r_pr = find_path(element, "rPr")
            styles[style_id] = _Style(
                name=(val_at(element, "name") or style_id).strip(),
                based_on=val_at(element, "basedOn"),
                num_id=val_at(element, "pPr", "numPr", "numId"),
                ilvl=to_int(val_at(element, "pPr", "numPr", "ilvl")),
                outline=to_int(val_at(element, "pPr", "outlineLvl")),
                bold=toggle_at(r_pr, "b"),
                italic=toggle_at(r_pr, "i"),
            )
    return styles


def _read_numbering(document) -> dict[str, dict[int, tuple[str, int]]]:
    """numId → {ilvl: (numFmt, start)}."""
    try:
        part = document.part.part_related_by(_NUMBERING_RELATIONSHIP)
    except KeyError:
        return {}
    root = part.element
    abstract = {}
    for element in root.iterchildren(W["abstractNum"]):
        levels = {}
        for lvl in element.iterchildren(W["lvl"]):
            levels[to_int(lvl.get(W["ilvl"]), 0)] = (val_at(lvl, "numFmt") or "decimal",
                                                     to_int(val_at(lvl, "start"), 1))
        abstract[element.get(W["abstractNumId"])] = levels
    numbering = {}
    for num in root.iterchildren(W["num"]):
        numbering[num.get(W["numId"])] = abstract.get(val_at(num, "abstractNumId"), {})
    return numbering


class StyleSheet:
    """The document's styles and list numbering, answering questions about paragraphs and runs."""

    def __init__(self, document) -> None:
        self.styles = _read_styles(document)
        self.numbering = _read_numbering(document)

    def _style_chain(self, style_id: str | None) -> Iterable[_Style]:
        seen = set()
        while style_id and style_id in self.styles and style_id not in seen:
            seen.add(style_id)
            style = self.styles[style_id]
            yield style
            style_id = style.based_on

    def _paragraph_styles(self, p) -> Iterable[_Style]:
        return self._style_chain(val_at(p, "pPr", "pStyle"))

    def heading_level(self, p) -> int | None:
        outline = val_at(p, "pPr", "outlineLvl")
        if outline is not None:  # an explicit level, 9 = body text
            level = to_int(outline)
            return level + 1 if level is not None and 0 <= level <= 5 else None
        for style in self._paragraph_styles(p):
            match = _HEADING_STYLE.match(style.name)
            if match:
                return int(match.group(1))
            if style.name.lower() in _TITLE_STYLES:
                return 1
            if style.outline is not None:
                return style.outline + 1 if 0 <= style.outline <= 5 else None
        return None

    def is_quote(self, p) -> bool:
        return any(style.name.lower() in _QUOTE_STYLES for style in self._paragraph_styles(p))

    def is_toc(self, p) -> bool:
        return any(_TOC_STYLE.match(style.name) for style in self._paragraph_styles(p))

    def list_info(self, p) -> tuple[str, int, int] | None:
        """(numId, ilvl, nesting depth) when the paragraph is a list item."""
        num_id = val_at(p, "pPr", "numPr", "numId")
        ilvl = to_int(val_at(p, "pPr", "numPr", "ilvl"))
        style_level = 0
        for style in self._paragraph_styles(p):
            num_id = num_id or style.num_id
            ilvl = style.ilvl if ilvl is None else ilvl
            match = _NUMBERED_LIST_STYLE.match(style.name)
            if match and not style_level:
                style_level = int(match.group(1)) - 1
        if not num_id or num_id == "0":
            return None
        raw_level = min(max(ilvl or 0, 0), 8)
        return num_id, raw_level, max(raw_level, style_level)

    def number_format(self, num_id: str, ilvl: int) -> tuple[str, int]:
        """(numFmt, start) of a list level; an unknown list counts as bullets."""
        return self.numbering.get(num_id, {}).get(ilvl, ("bullet", 1))

    def run_format(self, r) -> tuple[bool, bool]:
        """(bold, italic) of a run: direct formatting first, then its character style."""
        r_pr = r.find(W["rPr"])
        bold, italic = toggle_at(r_pr, "b"), toggle_at(r_pr, "i")
        for char_style in self._style_chain(val_at(r_pr, "rStyle")):
            bold = char_style.bold if bold is None else bold
            italic = char_style.italic if italic is None else italic
            name = char_style.name.lower()
            bold = True if bold is None and name in ("strong", "要点") else bold
            italic = True if italic is None and name in ("emphasis", "强调") else italic
        return bool(bold), bool(italic)
