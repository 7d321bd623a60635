"""WordprocessingML tag names and the small readers for Word's property elements."""
from __future__ import annotations

from docx.oxml.ns import qn

W = {name: qn(f"w:{name}") for name in (
    "p", "r", "t", "tbl", "tr", "tc", "sdt", "sdtContent", "hyperlink", "ins", "del", "moveFrom",
    "moveTo", "smartTag", "fldSimple", "customXml", "dir", "bdo", "tab", "br", "cr",
    "noBreakHyphen", "drawing", "pict", "object", "ruby", "rubyBase", "fldChar", "instrText",
    "pPr", "rPr", "pStyle", "rStyle", "numPr", "numId", "ilvl", "outlineLvl", "b", "i", "val",
    "type", "fldCharType", "instr", "anchor", "gridBefore", "trPr", "txbxContent", "style",
    "styleId", "name", "basedOn", "num", "abstractNumId", "abstractNum", "lvl", "numFmt", "start",
)}
MATH_TAGS = (qn("m:oMath"), qn("m:oMathPara"))
MARKUP_COMPATIBILITY = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
VML = "{urn:schemas-microsoft-com:vml}"
_FALSE_VALUES = {"0", "false", "off", "none"}


def is_on(element) -> bool:
    """A Word toggle property such as <w:b/> or <w:b w:val="0"/>."""
    return element is not None and (element.get(W["val"]) or "true").lower() not in _FALSE_VALUES


def find_path(element, *path):
    """The descendant reached by one w: child tag per step, or None if a step is missing."""
    for tag in path:
        if element is None:
            return None
        element = element.find(W[tag])
    return element


def to_int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def val_at(element, *path) -> str | None:
    """The w:val of the child at ``path`` (e.g. "pPr", "numPr", "numId"), or None."""
    child = find_path(element, *path)
    return child.get(W["val"]) if child is not None else None


def toggle_at(element, tag: str) -> bool | None:
    """The toggle ``tag`` (e.g. "b") under ``element``: None when not set there at all."""
    child = find_path(element, tag)
    return None if child is None else is_on(child)
