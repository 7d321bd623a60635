"""Line breaking for certificate text: CJK rules (避头尾), whole Latin words, fitting.

Pure arithmetic on font metrics; pdf.py decides where the lines go. Text is a
list of styled characters, ``(char, style)`` pairs, so a line keeps its accents.
"""
from __future__ import annotations

import math

from reportlab.pdfbase.pdfmetrics import stringWidth

# Characters that must not begin a line, or end one (避头尾 in CJK typesetting).
NO_LINE_START = set("，。、；：？！）》」』】〕”’…—·・%‰℃,.;:?!)]}")
NO_LINE_END = set("（《「『【〔“‘([{")


def shrink_to_width(text, font_name, width, largest, smallest) -> float:
    natural = stringWidth(text, font_name, largest)
    if natural <= width:
        return largest
    return max(smallest, math.floor(largest * width / natural * 2) / 2)


def fit(chars, font_name, width, largest, smallest, max_lines, **wrap_options):
    """Largest size (in half points) at which the text wraps into max_lines; else the smallest."""
    size = largest
    while True:
        lines = wrap(chars, font_name, size, width, **wrap_options)
        if len(lines) <= max_lines or size <= smallest:
            return size, lines
        size = max(smallest, size - 0.5)


def wrap(chars, font_name, size, width, first_indent=0.0, break_only_after=""):
    """Greedy line breaking of styled characters, respecting CJK line-break rules.

    Latin words stay whole unless a single word is wider than the line.  With
    ``break_only_after``, lines may only end after one of those characters
    (again unless a piece is wider than the line).
    """
    units = _unbreakable_units(chars, break_only_after)
    lines, line, line_width = [], [], 0.0
    available = width - first_indent

    def char_width(char):
        return stringWidth(char, font_name, size)

    for unit in units:
        unit_width = sum(char_width(char) for char, _ in unit)
        if unit[0][0] == " " and not line:
            continue  # spaces that fall at a line start are dropped
        if line and line_width + unit_width > available:
            lines.append(_rstrip(line))
            line, line_width, available = [], 0.0, width
            if unit[0][0] == " ":
                continue
        if unit_width > available:
            for styled_char in unit:  # a single over-long word: break it anywhere
                w = char_width(styled_char[0])
                if line and line_width + w > available:
                    lines.append(_rstrip(line))
                    line, line_width, available = [], 0.0, width
                line.append(styled_char)
                line_width += w
            continue
        line += unit
        line_width += unit_width
    if line:
        lines.append(_rstrip(line))
    return lines


def _unbreakable_units(chars, break_only_after):
    units = []
    for styled_char in chars:
        before = units[-1][-1][0] if units else None
        if break_only_after:
            joined = before is not None and before not in break_only_after
        else:
            joined = before is not None and not can_break(before, styled_char[0])
        if joined:
            units[-1].append(styled_char)
        else:
            units.append([styled_char])
    return units


def can_break(before: str, after: str) -> bool:
    if after in NO_LINE_START or before in NO_LINE_END:
        return False
    if before == " " or after == " ":
        return True
    # Between two non-CJK characters we are inside a Latin word or number.
    return is_cjk(before) or is_cjk(after)


def is_cjk(char: str) -> bool:
    return ord(char) >= 0x2E80


def _rstrip(line):
    while line and line[-1][0] == " ":
        line = line[:-1]
    return line
