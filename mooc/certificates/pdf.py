"""结业证书 as a one-page A4 landscape PDF.

Rendering is split in two so the layout can be tested without parsing PDFs:
:func:`layout_certificate` (layout.py) decides where every piece of text goes,
and :func:`render_certificate` draws that layout, the border and the QR code with
reportlab.

All text, Latin included, uses one embedded TrueType CJK font (see
``fonts/``), so the PDF looks the same everywhere and copies out as text.
"""
from __future__ import annotations

import io
import threading

import qrcode
from reportlab.pdfgen.canvas import Canvas

from mooc.certificates.fonts import (
    CertificateFontError,
    find_cjk_font,
    registered_font_name,
)
from mooc.certificates.layout import (GOLD, INK, INNER_BORDER_INSET, OUTER_BORDER_INSET,
                                      PAGE_HEIGHT, PAGE_WIDTH, PARTY_RED, SUBTITLE, TITLE,
                                      CertificateData, CertificateLayout, TextRun, all_text,
                                      cleaned, layout_certificate)

__all__ = [
    "CertificateData",
    "CertificateFontError",
    "CertificateLayout",
    "TextRun",
    "find_cjk_font",
    "layout_certificate",
    "render_certificate",
]

# reportlab keeps per-document font state in shared objects; rendering is
# fast, so serialising it is cheaper than reasoning about thread safety.
_RENDER_LOCK = threading.Lock()


def render_certificate(data: CertificateData, font_path=None, *, invariant: bool = False) -> bytes:
    """The certificate as PDF bytes.

    ``font_path`` overrides font discovery (see :func:`find_cjk_font`).
    ``invariant=True`` fixes the timestamps and document ID so that the same
    data always gives byte-identical output (for tests and caching).
    Raises ValueError for unusable data and CertificateFontError when no
    embeddable font has every character needed.
    """
    data = cleaned(data)
    font_name = registered_font_name(find_cjk_font(font_path, required_text=all_text(data)))
    layout = layout_certificate(data, font_name)

    buffer = io.BytesIO()
    with _RENDER_LOCK:
        canvas = Canvas(
            buffer,
            pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
            invariant=int(invariant),
            pageCompression=1,
            # Otherwise Helvetica, never drawn but still listed as a
            # non-embedded font in the page resources.
            initialFontName=font_name,
        )
        canvas.setTitle(f"{TITLE}：{data.learner_name}《{data.course_title}》")
        canvas.setAuthor(data.issuing_organisation)
        canvas.setSubject(f"证书编号 {data.serial}")
        canvas.setCreator("党建慕课")
        _draw_border(canvas)
        _draw_subtitle_ornaments(canvas, layout)
        for run in layout.runs:
            _draw_run(canvas, run, font_name)
        _draw_qr(canvas, data.verification_url, layout.qr_box)
        canvas.showPage()
        canvas.save()
    return buffer.getvalue()

# ---------------------------------------------------------------- drawing


def _draw_run(canvas: Canvas, run: TextRun, font_name: str) -> None:
    # Text render mode and character spacing are graphics state that would
    # otherwise leak into the next run.
    canvas.saveState()
    text = canvas.beginText(run.x, run.baseline)
    text.setFont(font_name, run.size)
    text.setFillColor(run.colour)
    if run.char_space:
        text.setCharSpace(run.char_space)
    if run.bold:
        # One regular weight keeps the shipped font small; a hairline stroke
        # in the fill colour gives a convincing bold for titles and names.
        canvas.setStrokeColor(run.colour)
        canvas.setLineWidth(run.size * 0.032)
        text.setTextRenderMode(2)
    text.textOut(run.text)
    canvas.drawText(text)
    if run.underline:
        canvas.setStrokeColor(GOLD)
        canvas.setLineWidth(0.8)
        y = run.baseline - run.size * 0.22
        canvas.line(run.x - 4, y, run.x + run.width + 4, y)
    canvas.restoreState()


def _draw_border(canvas: Canvas) -> None:
    canvas.saveState()
    canvas.setStrokeColor(PARTY_RED)
    canvas.setLineWidth(5)
    inset = OUTER_BORDER_INSET
    canvas.rect(inset, inset, PAGE_WIDTH - 2 * inset, PAGE_HEIGHT - 2 * inset)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(1.2)
    inset = INNER_BORDER_INSET
    canvas.rect(inset, inset, PAGE_WIDTH - 2 * inset, PAGE_HEIGHT - 2 * inset)
    # Corner brackets just inside the gold line.
    canvas.setLineWidth(2)
    arm, gap = 30, 6
    for x, y, dx, dy in (
        (inset + gap, inset + gap, 1, 1),
        (PAGE_WIDTH - inset - gap, inset + gap, -1, 1),
        (inset + gap, PAGE_HEIGHT - inset - gap, 1, -1),
        (PAGE_WIDTH - inset - gap, PAGE_HEIGHT - inset - gap, -1, -1),
    ):
        canvas.line(x, y, x + dx * arm, y)
        canvas.line(x, y, x, y + dy * arm)
    canvas.restoreState()


def _draw_subtitle_ornaments(canvas: Canvas, layout: CertificateLayout) -> None:
    subtitle = next(run for run in layout.runs if run.text == SUBTITLE)
    y = subtitle.baseline + subtitle.size * 0.35
    canvas.saveState()
    canvas.setStrokeColor(GOLD)
    canvas.setFillColor(GOLD)
    canvas.setLineWidth(0.8)
    for direction in (-1, 1):
        inner = PAGE_WIDTH / 2 + direction * (subtitle.width / 2 + 12)
        outer = inner + direction * 90
        canvas.line(inner, y, outer, y)
        _diamond(canvas, outer + direction * 4, y, 3)
    canvas.restoreState()


def _diamond(canvas: Canvas, x: float, y: float, radius: float) -> None:
    path = canvas.beginPath()
    path.moveTo(x - radius, y)
    path.lineTo(x, y + radius)
    path.lineTo(x + radius, y)
    path.lineTo(x, y - radius)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)


def _draw_qr(canvas: Canvas, url: str, box: tuple[float, float, float, float]) -> None:
    # Drawn as vector squares rather than a raster image: stays sharp at any
    # zoom or print resolution, where an upscaled bitmap may be smoothed
    # into something scanners struggle with.  The quiet zone is the blank
    # page around the box.
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(url)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    left, bottom, right, top = box
    module = (right - left) / len(matrix)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        y = top - (row_index + 1) * module
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            # Horizontal runs become one rectangle; a hair of overlap hides
            # the seams some viewers draw between touching shapes.
            path.rect(left + start * module, y - 0.02, (column - start) * module, module + 0.04)
    canvas.saveState()
    canvas.setFillColor(INK)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
