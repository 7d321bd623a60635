"""The body of a Word document as Markdown blocks: headings, paragraphs, lists, tables.

Blocks are read from the XML in document order.  List items are collected
until the list ends, because Markdown nesting depends on the marker widths of
the enclosing items.
"""
from __future__ import annotations

import re
from typing import Callable

from mooc.catalog.docx.inline import InlineReader
from mooc.catalog.docx.markdown_text import protect_line_start, render_pieces
from mooc.catalog.docx.styles import StyleSheet
from mooc.catalog.docx.wordxml import W, find_path, to_int

_EDGE_BREAKS = re.compile(r"^\s*(?:\\\n\s*)+|(?:\s*\\\n)+\s*$")


class BlockConverter:
    """Collects the Markdown blocks of one document; ``convert`` joins them."""

    def __init__(self, styles: StyleSheet, inline: InlineReader,
                 warn: Callable[[str], None]) -> None:
        self.styles = styles
        self.inline = inline
        self.warn = warn
        self.blocks: list[str] = []
        self.list_lines: list[str] = []
        self.list_stack: list[int] = []        # content column of each open level
        self.counters: dict[tuple[str, int], int] = {}

    def convert(self, body) -> str:
        self.block_items(body)
        self.end_list()
        return "\n\n".join(block for block in self.blocks if block.strip()) + "\n"

    def block_items(self, container) -> None:
        for child in container.iterchildren():
            if child.tag == W["p"]:
                self.paragraph(child)
            elif child.tag == W["tbl"]:
                self.end_list()
                self.table(child)
            elif child.tag in (W["sdt"], W["customXml"]):
                content = child.find(W["sdtContent"]) if child.tag == W["sdt"] else child
                if content is not None:
                    self.block_items(content)
            self.flush_text_boxes()

    def flush_text_boxes(self) -> None:
        """Text-box paragraphs go after the block that anchors them."""
        while self.inline.text_boxes:
            p = self.inline.text_boxes.pop(0)
            self.paragraph(p)

    # ------------------------------------------------------------ paragraphs and lists

    def paragraph(self, p) -> None:
        if self.styles.is_toc(p):
            self.warn("文档中的目录已忽略（课程页面会自动显示章节）")
            return
        pieces = self.inline.pieces(p)
        text = _EDGE_BREAKS.sub("", render_pieces(pieces)).strip()
        if not text:
            return
        level = self.styles.heading_level(p)
        if level is not None:
            self.end_list()
            heading = render_pieces(pieces, plain=True).replace("\\\n", " ").strip()
            self.blocks.append("#" * level + " " + heading)
            return
        info = self.styles.list_info(p)
        if info is not None:
            self.list_item(info, text)
            return
        self.end_list()
        text = protect_line_start(text)
        if self.styles.is_quote(p):
            text = "\n".join("> " + line for line in text.split("\n"))
        self.blocks.append(text)

    def list_item(self, info: tuple[str, int, int], text: str) -> None:
        num_id, ilvl, nesting = info
        depth = min(nesting, len(self.list_stack))   # never skip a level: it would become code
        del self.list_stack[depth + 1:]
        fmt, start = self.styles.number_format(num_id, ilvl)
        for key in [k for k in self.counters if k[0] == num_id and k[1] > ilvl]:
            del self.counters[key]            # a parent item restarts its children
        if fmt in ("bullet", "none"):
            marker = "-"
        else:
            number = self.counters.get((num_id, ilvl), start - 1) + 1
            self.counters[(num_id, ilvl)] = number
            marker = f"{number}."
        indent = self.list_stack[depth - 1] if depth else 0
        column = indent + len(marker) + 1
        if depth < len(self.list_stack):
            self.list_stack[depth] = column
        else:
            self.list_stack.append(column)
        body = text.replace("\n", "\n" + " " * column)
        self.list_lines.append(" " * indent + marker + " " + body)

    def end_list(self) -> None:
        if self.list_lines:
            self.blocks.append("\n".join(self.list_lines))
        self.list_lines = []
        self.list_stack = []

    # ------------------------------------------------------------ tables

    def cell_text(self, tc) -> str:
        parts = []
        for child in tc.iterchildren():
            if child.tag == W["p"]:
                parts.append(render_pieces(self.inline.pieces(child)).replace("\\\n", " ").strip())
            elif child.tag == W["tbl"]:
                parts.extend(self.cell_text(inner) for inner in child.iter(W["tc"]))
            elif child.tag == W["sdt"]:
                content = child.find(W["sdtContent"])
                if content is not None:
                    parts.append(self.cell_text(content))
        self.flush_text_boxes_into(parts)
        return " ".join(part for part in parts if part).replace("|", "\\|").replace("\n", " ")

    def flush_text_boxes_into(self, parts: list[str]) -> None:
        """Inside a table cell, a text box's paragraphs join the cell's text."""
        while self.inline.text_boxes:
            parts.append(render_pieces(self.inline.pieces(self.inline.text_boxes.pop(0))).strip())

    def table(self, tbl) -> None:
        rows = []
        for tr in tbl.iterchildren(W["tr"]):
            before = find_path(tr, "trPr", "gridBefore")
            cells = [""] * (to_int(before.get(W["val"]), 0) if before is not None else 0)
            for tc in tr.iterchildren(W["tc"]):
                merged_from_above = tc.vMerge == "continue"
                cells.append("" if merged_from_above else self.cell_text(tc))
                cells.extend([""] * (tc.grid_span - 1))
            rows.append(cells)
        if not rows or not any(any(cell.strip() for cell in row) for row in rows):
            return
        width = max(len(row) for row in rows)
        if width == 1 and len(rows) == 1:
            # Word authors use a one-cell table as a boxed note.
            self.blocks.append("> " + protect_line_start(rows[0][0]))
            return
        rows = [row + [""] * (width - len(row)) for row in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
        lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
        self.blocks.append("\n".join(lines))
