"""The content of one Word paragraph, as formatted pieces in document order.

Runs give text with bold/italic; hyperlinks (w:hyperlink and HYPERLINK
fields) give link targets; drawings give pictures in place and queue the
paragraphs of text boxes, which have no place in a Markdown paragraph.
"""
from __future__ import annotations

import re
from typing import Callable

from docx.oxml.ns import qn

from mooc.catalog.docx.images import ImageImporter
from mooc.catalog.docx.markdown_text import Piece, escape_markdown
from mooc.catalog.docx.styles import StyleSheet
from mooc.catalog.docx.wordxml import MARKUP_COMPATIBILITY, MATH_TAGS, VML, W

_HYPERLINK_FIELD = re.compile(r'^\s*HYPERLINK\s+"([^"]+)"', re.IGNORECASE)
_LINK_SCHEMES = ("http://", "https://", "mailto:")


class InlineReader:
    """Turns paragraph XML into Pieces; one reader per document, as fields span runs."""

    def __init__(self, part, styles: StyleSheet, images: ImageImporter,
                 warn: Callable[[str], None]) -> None:
        self.part = part
        self.styles = styles
        self.images = images
        self.warn = warn
        self.text_boxes: list = []             # text-box paragraphs found inside a run
        # A complex field (fldChar begin … separate … end) can span several runs.
        self.field_instruction: list[str] | None = None
        self.field_link: str | None = None

    def pieces(self, element, link: str | None = None) -> list[Piece]:
        pieces: list[Piece] = []
        self._collect(element, link, pieces)
        return pieces

    def _collect(self, element, link: str | None, pieces: list[Piece]) -> None:
        for child in element.iterchildren():
            tag = child.tag
            if tag == W["r"]:
                self.run(child, link, pieces)
            elif tag == W["hyperlink"]:
                self._collect(child, self.hyperlink_target(child) or link, pieces)
            elif tag == W["fldSimple"]:
                match = _HYPERLINK_FIELD.match(child.get(W["instr"]) or "")
                target = match.group(1) if match and match.group(1).startswith(_LINK_SCHEMES) else None
                self._collect(child, target or link, pieces)
            elif tag in (W["ins"], W["moveTo"], W["smartTag"], W["customXml"], W["dir"], W["bdo"]):
                self._collect(child, link, pieces)
            elif tag == W["sdt"]:
                content = child.find(W["sdtContent"])
                if content is not None:
                    self._collect(content, link, pieces)
            elif tag in MATH_TAGS:
                self.warn("文档中的公式无法转换，已忽略")

    def hyperlink_target(self, hyperlink) -> str | None:
        rel_id = hyperlink.get(qn("r:id"))
        if not rel_id or rel_id not in self.part.rels:
            return None                     # an internal jump (w:anchor): keep the text only
        target = self.part.rels[rel_id].target_ref
        return target if target.startswith(_LINK_SCHEMES) else None

    def run(self, r, link: str | None, pieces: list[Piece]) -> None:
        bold, italic = self.styles.run_format(r)
        link = self.field_link or link

        def text(value: str) -> None:
            if self.field_instruction is None or self.field_link is not None:
                pieces.append(Piece(value, bold, italic, link))

        for child in r.iterchildren():
            tag = child.tag
            if tag == W["t"]:
                text(child.text or "")
            elif tag == W["tab"]:
                text(" ")
            elif tag in (W["br"], W["cr"]):
                if child.get(W["type"]) not in ("page", "column"):
                    pieces.append(Piece("\\\n", markdown=True))
            elif tag == W["noBreakHyphen"]:
                text("-")
            elif tag == W["ruby"]:
                # 拼音指南: keep the characters, drop the pinyin above them.
                base = child.find(W["rubyBase"])
                if base is not None:
                    text("".join(t.text or "" for t in base.iter(W["t"])))
            elif tag == W["fldChar"]:
                self.field_char(child.get(W["fldCharType"]))
                link = self.field_link or link
            elif tag == W["instrText"] and self.field_instruction is not None:
                self.field_instruction.append(child.text or "")
            elif tag in (W["drawing"], W["pict"]):
                self.drawing(child, pieces)
            elif tag == f"{MARKUP_COMPATIBILITY}AlternateContent":
                # Text boxes and shapes come as a modern "Choice" plus a VML
                # "Fallback" of the same thing: read only the first choice.
                chosen = child.find(f"{MARKUP_COMPATIBILITY}Choice")
                if chosen is None:
                    chosen = child.find(f"{MARKUP_COMPATIBILITY}Fallback")
                for inner in (chosen if chosen is not None else []):
                    if inner.tag in (W["drawing"], W["pict"]):
                        self.drawing(inner, pieces)
            elif tag == W["object"]:
                self.warn("文档中嵌入的对象（如 Excel 表格、Visio 图）无法转换，已忽略")

    def field_char(self, kind: str | None) -> None:
        """Complex fields: show the result text, and link it if it is a HYPERLINK field."""
        if kind == "begin":
            self.field_instruction = []
            self.field_link = None
        elif kind == "separate" and self.field_instruction is not None:
            match = _HYPERLINK_FIELD.match("".join(self.field_instruction))
            target = match.group(1) if match else None
            self.field_link = target if target and target.startswith(_LINK_SCHEMES) else ""
            self.field_instruction = None
        elif kind == "end":
            self.field_instruction = None
            self.field_link = None

    def drawing(self, element, pieces: list[Piece]) -> None:
        boxes = list(element.iter(W["txbxContent"]))
        for box in boxes:
            self.text_boxes.extend(box.iterchildren(W["p"]))
        blips = list(element.iter(qn("a:blip")))
        image_ids = [(blip.get(qn("r:embed")), blip.get(qn("r:link"))) for blip in blips]
        image_ids += [(data.get(qn("r:id")), None) for data in element.iter(f"{VML}imagedata")]
        if not image_ids and not boxes:
            self.warn("文档中的图表、SmartArt 或形状无法转换，已忽略")
        doc_pr = next(element.iter(qn("wp:docPr")), None)
        alt = ""
        if doc_pr is not None:
            alt = (doc_pr.get("descr") or doc_pr.get("title") or "").strip()
        for embed, linked in image_ids:
            if not embed:
                if linked:
                    self.warn("文档中链接到外部文件的图片无法导入，请在 Word 中改为嵌入图片")
                continue
            url = self.images.url(embed)
            if url:
                alt_text = escape_markdown(alt.replace("\n", " "))
                pieces.append(Piece(f"![{alt_text}]({url})", markdown=True))
