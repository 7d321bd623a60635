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

The work is split by concern: wordxml (tag names, property readers),
styles (what styles and numbering make a paragraph), inline
(runs, links, fields, drawings), images (storing pictures),
markdown_text (escaping and emphasis) and blocks (paragraphs, lists,
tables).  This module checks the upload and ties them together.
"""
from __future__ import annotations

import io
from typing import Callable

from mooc.catalog.docx.blocks import BlockConverter
from mooc.catalog.docx.images import ImageImporter
from mooc.catalog.docx.inline import InlineReader
from mooc.catalog.docx.styles import StyleSheet
from mooc.core import ziplimits
from mooc.core.textnorm import clean_pasted_text

MAX_DOCX_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024  # zip bombs (core.ziplimits)
DOCX_LIMITS = ziplimits.Limits(max_total_bytes=MAX_UNCOMPRESSED_BYTES)
MAX_IMAGES = 100
MAX_IMAGE_BYTES = 10 * 1024 * 1024

NOT_DOCX = "不是有效的 Word 文档（.docx），请在 Word 中另存为 .docx 后再导入"
ENCRYPTED = "文档设置了打开密码，请在 Word 中取消密码保护后再导入"
OLD_DOC = "这是旧版 Word 文档（.doc），请在 Word 中另存为 .docx 后再导入"

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class DocxImportError(ValueError):
    """The upload cannot be converted; the message is shown to the teacher."""


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
        entries = ziplimits.check_zip(data, DOCX_LIMITS)
    except ziplimits.ZipLimitError as exc:
        if exc.reason == ziplimits.NOT_A_ZIP:
            raise DocxImportError(NOT_DOCX) from None
        raise DocxImportError(str(exc)) from None
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
        raise DocxImportError(NOT_DOCX)


def _open_document(data: bytes):
    import docx

    _check_container(data)
    try:
        return docx.Document(io.BytesIO(bytes(data)))
    except Exception:  # python-docx raises many types for damaged files
        raise DocxImportError("无法打开这个 Word 文档，文件可能已损坏。" + NOT_DOCX) from None


def docx_to_markdown(data: bytes, store_image: Callable[[bytes, str], str]) -> tuple[str, list[str]]:
    """Convert a .docx upload to (Markdown, Chinese warnings).

    ``store_image(image_bytes, ext)`` saves one picture and returns its URL;
    ext is "png", "jpg", "gif" or "webp".  It may raise ValueError to refuse
    a picture (reported as a warning).  Raises DocxImportError (a
    ValueError with a Chinese message) for files that are not usable .docx.
    """
    document = _open_document(data)
    warnings: list[str] = []

    def warn(message: str) -> None:
        if message not in warnings:
            warnings.append(message)

    styles = StyleSheet(document)
    # The limits are this module's settings, read per call so they can be changed here.
    images = ImageImporter(document.part, store_image, warn,
                           max_images=MAX_IMAGES, max_image_bytes=MAX_IMAGE_BYTES)
    inline = InlineReader(document.part, styles, images, warn)
    markdown = BlockConverter(styles, inline, warn).convert(document.element.body)
    return clean_pasted_text(markdown).strip() + "\n", warnings
