"""Word (.docx) → lesson Markdown.

Teachers write lessons in Word; this keeps what survives the trip to a web
page and drops the rest with a warning rather than silently:

* headings (Heading 1–6, 标题 1–6, Title, or an outline level), bold,
  italic, block quotes (Quote / 引用 styles, single-cell tables);
* bulleted and numbered lists, nested by level (numbering from numPr on
  the paragraph or its style);
* tables as Markdown tables: the first row is the header, merged cells
  keep their text in the first cell and leave the others blank, "|" is
  escaped, several paragraphs in a cell are joined with spaces;
* pictures in run order, handed to ``store_image(bytes, ext)`` (ext is
  "png", "jpg", "gif" or "webp"; BMP/TIFF are converted to PNG) which
  returns the URL to show;
* hyperlinks (w:hyperlink and HYPERLINK fields) to web/mail addresses;
* 拼音指南 (ruby) keeps only the characters, and the final text goes through
  clean_pasted_text(), which also strips typed guides such as 联(lián).

Everything is read from the XML in document order, so text, pictures and
links come out where the author put them.
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Callable, Iterable

from docx.oxml.ns import qn

from mooc.core.textnorm import clean_pasted_text

MAX_DOCX_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # zip bombs
MAX_IMAGES = 100
MAX_IMAGE_BYTES = 10 * 1024 * 1024

NOT_DOCX = "不是有效的 Word 文档（.docx），请在 Word 中另存为 .docx 后再导入"
ENCRYPTED = "文档设置了打开密码，请在 Word 中取消密码保护后再导入"
OLD_DOC = "这是旧版 Word 文档（.doc），请在 Word 中另存为 .docx 后再导入"

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_VML = "{urn:schemas-microsoft-com:vml}"
_WEB_IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/jpg": "jpg",
                    "image/gif": "gif", "image/webp": "webp"}
_CONVERTIBLE_IMAGE_TYPES = {"image/bmp", "image/x-bmp", "image/tiff", "image/x-ms-bmp"}
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-6])$", re.IGNORECASE)
_TITLE_STYLES = {"title", "标题"}
# Word's "List Bullet 2" style is a second list with a deeper indent, not
# level 2 of the first one; its number is the nesting the author meant.
_NUMBERED_LIST_STYLE = re.compile(r"^list (?:bullet|number)\s*([2-9])$", re.IGNORECASE)
_QUOTE_STYLES = {"quote", "intense quote", "引用", "明显引用"}
_HYPERLINK_FIELD = re.compile(r'^\s*HYPERLINK\s+"([^"]+)"', re.IGNORECASE)
_LINK_SCHEMES = ("http://", "https://", "mailto:")
_MARKDOWN_SPECIALS = set("\\`*_[]<>~")
_BLOCK_START = re.compile(r"^(\s*)([#>+=-]|\d{1,9}[.)])")
_FALSE_VALUES = {"0", "false", "off", "none"}

W = {name: qn(f"w:{name}") for name in (
    "p", "r", "t", "tbl", "tr", "tc", "sdt", "sdtContent", "hyperlink", "ins", "del", "moveFrom",
    "moveTo", "smartTag", "fldSimple", "customXml", "dir", "bdo", "tab", "br", "cr",
    "noBreakHyphen", "drawing", "pict", "object", "ruby", "rubyBase", "fldChar", "instrText",
    "pPr", "rPr", "pStyle", "rStyle", "numPr", "numId", "ilvl", "outlineLvl", "b", "i", "val",
    "type", "fldCharType", "instr", "anchor", "gridBefore", "trPr", "txbxContent", "style",
    "styleId", "name", "basedOn", "num", "abstractNumId", "abstractNum", "lvl", "numFmt", "start",
)}
_MATH = (qn("m:oMath"), qn("m:oMathPara"))
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_TOC_STYLE = re.compile(r"^(?:toc|目录)\s*\d*$|^toc heading$", re.IGNORECASE)
_EDGE_BREAKS = re.compile(r"^\s*(?:\\\n\s*)+|(?:\s*\\\n)+\s*$")


class DocxImportError(ValueError):
    """The upload cannot be converted; the message is shown to the teacher."""


@dataclass
class _Piece:
    """A stretch of paragraph content with one formatting.

    ``text`` is raw text (escaped on output) unless ``markdown`` is set,
    in which case it is ready-made Markdown (an image, a line break).
    """

    text: str
    bold: bool = False
    italic: bool = False
    link: str | None = None
    markdown: bool = False


def _on(element) -> bool:
    """A Word toggle property such as <w:b/> or <w:b w:val="0"/>."""
    return element is not None and (element.get(W["val"]) or "true").lower() not in _FALSE_VALUES


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith(("P", "S"))


def escape_markdown(text: str) -> str:
    return "".join("\\" + char if char in _MARKDOWN_SPECIALS else char for char in text)


# --------------------------------------------------------------------------
# The container
# --------------------------------------------------------------------------

def _check_container(data: bytes) -> None:
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise DocxImportError(NOT_DOCX)
    if len(data) > MAX_DOCX_BYTES:
        raise DocxImportError(f"文档过大（不能超过 {MAX_DOCX_BYTES // (1024 * 1024)} MB），"
                              "可以先压缩文档中的图片")
    if data.startswith(_OLE_MAGIC):
        # Password-protected .docx files are OLE containers holding an
        # "EncryptedPackage" stream; any other OLE file is a legacy .doc.
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise DocxImportError(ENCRYPTED)
        raise DocxImportError(OLD_DOC)
    if not data.startswith(b"PK\x03\x04"):
        raise DocxImportError(NOT_DOCX)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise DocxImportError(NOT_DOCX) from None
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
        raise DocxImportError(NOT_DOCX)
    if sum(entry.file_size for entry in entries) > MAX_UNCOMPRESSED_BYTES:
        raise DocxImportError("文档解压后过大，无法导入")


def _open_document(data: bytes):
    import docx

    _check_container(data)
    try:
        return docx.Document(io.BytesIO(bytes(data)))
    except Exception:  # python-docx raises many types for damaged files
        raise DocxImportError("无法打开这个 Word 文档，文件可能已损坏。" + NOT_DOCX) from None


# --------------------------------------------------------------------------
# Styles and numbering
# --------------------------------------------------------------------------

@dataclass
class _Style:
    name: str
    based_on: str | None
    num_id: str | None
    ilvl: int | None
    outline: int | None
    bold: bool | None
    italic: bool | None


def _child(element, *path):
    for tag in path:
        if element is None:
            return None
        element = element.find(W[tag])
    return element


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _val(element, *path) -> str | None:
    """The w:val of the child at ``path`` (e.g. "pPr", "numPr", "numId"), or None."""
    child = _child(element, *path)
    return child.get(W["val"]) if child is not None else None


def _toggle(element, tag: str) -> bool | None:
    child = _child(element, tag)
    return None if child is None else _on(child)


def _read_styles(document) -> dict[str, _Style]:
    styles = {}
    for element in document.styles.element.iterchildren(W["style"]):
        style_id = element.get(W["styleId"])
        if style_id:
            r_pr = _child(element, "rPr")
            styles[style_id] = _Style(
                name=(_val(element, "name") or style_id).strip(),
                based_on=_val(element, "basedOn"),
                num_id=_val(element, "pPr", "numPr", "numId"),
                ilvl=_int(_val(element, "pPr", "numPr", "ilvl")),
                outline=_int(_val(element, "pPr", "outlineLvl")),
                bold=_toggle(r_pr, "b"),
                italic=_toggle(r_pr, "i"),
            )
    return styles


def _read_numbering(document) -> dict[str, dict[int, tuple[str, int]]]:
    """numId → {ilvl: (numFmt, start)}."""
    try:
        part = document.part.part_related_by(
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering")
    except KeyError:
        return {}
    root = part.element
    abstract = {}
    for element in root.iterchildren(W["abstractNum"]):
        levels = {}
        for lvl in element.iterchildren(W["lvl"]):
            levels[_int(lvl.get(W["ilvl"]), 0)] = (_val(lvl, "numFmt") or "decimal",
                                                   _int(_val(lvl, "start"), 1))
        abstract[element.get(W["abstractNumId"])] = levels
    numbering = {}
    for num in root.iterchildren(W["num"]):
        numbering[num.get(W["numId"])] = abstract.get(_val(num, "abstractNumId"), {})
    return numbering


# --------------------------------------------------------------------------
# Converter
# --------------------------------------------------------------------------

class _Converter:
    def __init__(self, document, store_image: Callable[[bytes, str], str]) -> None:
        self.document = document
        self.part = document.part
        self.store_image = store_image
        self.styles = _read_styles(document)
        self.numbering = _read_numbering(document)
        self.warnings: list[str] = []
        self.blocks: list[str] = []
        self.list_lines: list[str] = []
        self.list_stack: list[int] = []        # content column of each open level
        self.counters: dict[tuple[str, int], int] = {}
        self.image_urls: dict[str, str | None] = {}
        self.image_count = 0
        self.pending: list = []                # text-box paragraphs found inside a run
        self.field_instruction: list[str] | None = None
        self.field_link: str | None = None

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    # ------------------------------------------------------------ styles

    def _style_chain(self, style_id: str | None) -> Iterable[_Style]:
        seen = set()
        while style_id and style_id in self.styles and style_id not in seen:
            seen.add(style_id)
            style = self.styles[style_id]
            yield style
            style_id = style.based_on

    def _paragraph_style(self, p) -> str | None:
        return _val(p, "pPr", "pStyle")

    def heading_level(self, p) -> int | None:
        outline = _val(p, "pPr", "outlineLvl")
        if outline is not None:  # an explicit level, 9 = body text
            level = _int(outline)
            return level + 1 if level is not None and 0 <= level <= 5 else None
        for style in self._style_chain(self._paragraph_style(p)):
            match = _HEADING_STYLE.match(style.name)
            if match:
                return int(match.group(1))
            if style.name.lower() in _TITLE_STYLES:
                return 1
            if style.outline is not None:
                return style.outline + 1 if 0 <= style.outline <= 5 else None
        return None

    def is_quote(self, p) -> bool:
        return any(style.name.lower() in _QUOTE_STYLES
                   for style in self._style_chain(self._paragraph_style(p)))

    def list_info(self, p) -> tuple[str, int, int] | None:
        """(numId, ilvl, nesting depth) when the paragraph is a list item."""
        num_id = _val(p, "pPr", "numPr", "numId")
        ilvl = _int(_val(p, "pPr", "numPr", "ilvl"))
        style_level = 0
        for style in self._style_chain(self._paragraph_style(p)):
            num_id = num_id or style.num_id
            ilvl = style.ilvl if ilvl is None else ilvl
            match = _NUMBERED_LIST_STYLE.match(style.name)
            if match and not style_level:
                style_level = int(match.group(1)) - 1
        if not num_id or num_id == "0":
            return None
        raw_level = min(max(ilvl or 0, 0), 8)
        return num_id, raw_level, max(raw_level, style_level)

    # ------------------------------------------------------------ blocks

    def convert(self) -> str:
        self.block_items(self.document.element.body)
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
            self.flush_pending()

    def flush_pending(self) -> None:
        while self.pending:
            p = self.pending.pop(0)
            self.paragraph(p)

    def is_toc(self, p) -> bool:
        return any(_TOC_STYLE.match(style.name)
                   for style in self._style_chain(self._paragraph_style(p)))

    def paragraph(self, p) -> None:
        if self.is_toc(p):
            self.warn("文档中的目录已忽略（课程页面会自动显示章节）")
            return
        pieces = self.inline(p)
        text = _EDGE_BREAKS.sub("", self.render(pieces)).strip()
        if not text:
            return
        level = self.heading_level(p)
        if level is not None:
            self.end_list()
            heading = self.render(pieces, plain=True).replace("\\\n", " ").strip()
            self.blocks.append("#" * level + " " + heading)
            return
        info = self.list_info(p)
        if info is not None:
            self.list_item(info, text)
            return
        self.end_list()
        text = self.protect_line_start(text)
        if self.is_quote(p):
            text = "\n".join("> " + line for line in text.split("\n"))
        self.blocks.append(text)

    @staticmethod
    def protect_line_start(text: str) -> str:
        """Keep a paragraph that merely starts with "1." or "-" from becoming a list."""
        match = _BLOCK_START.match(text)
        if not match:
            return text
        marker = match.group(2)
        escaped = marker[:-1] + "\\" + marker[-1] if marker[-1] in ".)" else "\\" + marker
        return match.group(1) + escaped + text[match.end():]

    def list_item(self, info: tuple[str, int, int], text: str) -> None:
        num_id, ilvl, nesting = info
        depth = min(nesting, len(self.list_stack))   # never skip a level: it would become code
        del self.list_stack[depth + 1:]
        fmt, start = self.numbering.get(num_id, {}).get(ilvl, ("bullet", 1))
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
                parts.append(self.render(self.inline(child)).replace("\\\n", " ").strip())
            elif child.tag == W["tbl"]:
                parts.extend(self.cell_text(inner) for inner in child.iter(W["tc"]))
            elif child.tag == W["sdt"]:
                content = child.find(W["sdtContent"])
                if content is not None:
                    parts.append(self.cell_text(content))
        self.flush_pending_into(parts)
        return " ".join(part for part in parts if part).replace("|", "\\|").replace("\n", " ")

    def flush_pending_into(self, parts: list[str]) -> None:
        while self.pending:
            parts.append(self.render(self.inline(self.pending.pop(0))).strip())

    def table(self, tbl) -> None:
        rows = []
        for tr in tbl.iterchildren(W["tr"]):
            before = _child(tr, "trPr", "gridBefore")
            cells = [""] * (_int(before.get(W["val"]), 0) if before is not None else 0)
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
            self.blocks.append("> " + self.protect_line_start(rows[0][0]))
            return
        rows = [row + [""] * (width - len(row)) for row in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
        lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
        self.blocks.append("\n".join(lines))

    # ------------------------------------------------------------ inline content

    def inline(self, element, link: str | None = None) -> list[_Piece]:
        pieces: list[_Piece] = []
        self._inline(element, link, pieces)
        return pieces

    def _inline(self, element, link: str | None, pieces: list[_Piece]) -> None:
        for child in element.iterchildren():
            tag = child.tag
            if tag == W["r"]:
                self.run(child, link, pieces)
            elif tag == W["hyperlink"]:
                self._inline(child, self.hyperlink_target(child) or link, pieces)
            elif tag == W["fldSimple"]:
                match = _HYPERLINK_FIELD.match(child.get(W["instr"]) or "")
                target = match.group(1) if match and match.group(1).startswith(_LINK_SCHEMES) else None
                self._inline(child, target or link, pieces)
            elif tag in (W["ins"], W["moveTo"], W["smartTag"], W["customXml"], W["dir"], W["bdo"]):
                self._inline(child, link, pieces)
            elif tag == W["sdt"]:
                content = child.find(W["sdtContent"])
                if content is not None:
                    self._inline(content, link, pieces)
            elif tag in _MATH:
                self.warn("文档中的公式无法转换，已忽略")

    def hyperlink_target(self, hyperlink) -> str | None:
        rel_id = hyperlink.get(qn("r:id"))
        if not rel_id or rel_id not in self.part.rels:
            return None                     # an internal jump (w:anchor): keep the text only
        target = self.part.rels[rel_id].target_ref
        return target if target.startswith(_LINK_SCHEMES) else None

    def run_format(self, r) -> tuple[bool, bool]:
        r_pr = r.find(W["rPr"])
        bold, italic = _toggle(r_pr, "b"), _toggle(r_pr, "i")
        for char_style in self._style_chain(_val(r_pr, "rStyle")):
            bold = char_style.bold if bold is None else bold
            italic = char_style.italic if italic is None else italic
            name = char_style.name.lower()
            bold = True if bold is None and name in ("strong", "要点") else bold
            italic = True if italic is None and name in ("emphasis", "强调") else italic
        return bool(bold), bool(italic)

    def run(self, r, link: str | None, pieces: list[_Piece]) -> None:
        bold, italic = self.run_format(r)
        link = self.field_link or link

        def text(value: str) -> None:
            if self.field_instruction is None or self.field_link is not None:
                pieces.append(_Piece(value, bold, italic, link))

        for child in r.iterchildren():
            tag = child.tag
            if tag == W["t"]:
                text(child.text or "")
            elif tag == W["tab"]:
                text(" ")
            elif tag in (W["br"], W["cr"]):
                if child.get(W["type"]) not in ("page", "column"):
                    pieces.append(_Piece("\\\n", markdown=True))
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
            elif tag == f"{_MC}AlternateContent":
                # Text boxes and shapes come as a modern "Choice" plus a VML
                # "Fallback" of the same thing: read only the first choice.
                choice = child.find(f"{_MC}Choice")
                chosen = choice if choice is not None else child.find(f"{_MC}Fallback")
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

    # ------------------------------------------------------------ pictures

    def drawing(self, element, pieces: list[_Piece]) -> None:
        boxes = list(element.iter(W["txbxContent"]))
        for box in boxes:
            self.pending.extend(box.iterchildren(W["p"]))
        blips = list(element.iter(qn("a:blip")))
        image_ids = [(blip.get(qn("r:embed")), blip.get(qn("r:link"))) for blip in blips]
        image_ids += [(data.get(qn("r:id")), None) for data in element.iter(f"{_VML}imagedata")]
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
            url = self.image_url(embed)
            if url:
                alt_text = escape_markdown(alt.replace("\n", " "))
                pieces.append(_Piece(f"![{alt_text}]({url})", markdown=True))

    def image_url(self, rel_id: str) -> str | None:
        part = self.part.related_parts.get(rel_id)
        if part is None:
            return None
        key = str(part.partname)
        if key in self.image_urls:
            return self.image_urls[key]
        self.image_urls[key] = None
        if self.image_count >= MAX_IMAGES:
            self.warn(f"图片过多，只导入了前 {MAX_IMAGES} 张")
            return None
        blob, content_type = part.blob, (part.content_type or "").lower()
        if len(blob) > MAX_IMAGE_BYTES:
            self.warn(f"有图片超过 {MAX_IMAGE_BYTES // (1024 * 1024)} MB，已跳过，请压缩后手动插入")
            return None
        ext = _WEB_IMAGE_TYPES.get(content_type)
        if ext is None and content_type in _CONVERTIBLE_IMAGE_TYPES:
            blob, ext = _to_png(blob), "png"
        if ext is None or blob is None:
            self.warn(f"图片格式（{content_type or '未知'}）无法在网页中显示，已跳过；"
                      "请在 Word 中将图片另存为 PNG 或 JPG 后重新插入")
            return None
        try:
            url = self.store_image(blob, ext)
        except ValueError as error:
            self.warn(f"有图片无法保存：{error}")
            return None
        self.image_count += 1
        self.image_urls[key] = url
        return url

    # ------------------------------------------------------------ rendering

    def render(self, pieces: list[_Piece], plain: bool = False) -> str:
        """Markdown for a run of pieces: emphasis merged, links wrapped, text escaped."""
        merged: list[_Piece] = []
        for piece in pieces:
            last = merged[-1] if merged else None
            if (last and not piece.markdown and not last.markdown
                    and (last.bold, last.italic, last.link) == (piece.bold, piece.italic, piece.link)):
                last.text += piece.text
            elif piece.markdown or piece.text:
                merged.append(_Piece(piece.text, piece.bold, piece.italic, piece.link, piece.markdown))
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
            inner = self.render_group(group, plain, before if not link else "[", after if not link else "]")
            if link and inner.strip():
                destination = f"<{link}>" if re.search(r"[\s()<>]", link) else link
                out.append(f"[{inner}]({destination})")
            else:
                out.append(inner)
            index = end
        return "".join(out)

    def render_group(self, group: list[_Piece], plain: bool, before: str, after: str) -> str:
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


def _to_png(blob: bytes) -> bytes | None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(blob)) as image:
            buffer = io.BytesIO()
            image.save(buffer, "PNG")
            return buffer.getvalue()
    except Exception:
        return None


def docx_to_markdown(data: bytes, store_image: Callable[[bytes, str], str]) -> tuple[str, list[str]]:
    """Convert a .docx upload to (Markdown, Chinese warnings).

    ``store_image(image_bytes, ext)`` saves one picture and returns its URL;
    ext is "png", "jpg", "gif" or "webp".  It may raise ValueError to refuse
    a picture (reported as a warning).  Raises DocxImportError (a
    ValueError with a Chinese message) for files that are not usable .docx.
    """
    document = _open_document(data)
    converter = _Converter(document, store_image)
    markdown = converter.convert()
    return clean_pasted_text(markdown).strip() + "\n", converter.warnings
