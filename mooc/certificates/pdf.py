"""结业证书 as a one-page A4 landscape PDF.

Rendering is split in two so the layout can be tested without parsing PDFs:
:func:`layout_certificate` decides where every piece of text goes (pure
arithmetic on font metrics), and :func:`render_certificate` draws that
layout, the border and the QR code with reportlab.

All text, Latin included, uses one embedded TrueType CJK font (see
``fonts/``), so the PDF looks the same everywhere and copies out as text.
"""

from __future__ import annotations

import io
import math
import threading
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import qrcode
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from mooc.certificates.fonts import (
    CertificateFontError,
    find_cjk_font,
    registered_font_name,
)
from mooc.certificates.serials import normalise_serial

__all__ = [
    "CertificateData",
    "CertificateFontError",
    "CertificateLayout",
    "TextRun",
    "find_cjk_font",
    "layout_certificate",
    "render_certificate",
]

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)

PARTY_RED = Color(0.72, 0.08, 0.09)
GOLD = Color(0.76, 0.60, 0.28)
INK = Color(0.12, 0.12, 0.12)
MUTED = Color(0.38, 0.38, 0.38)

TITLE = "结业证书"
SUBTITLE = "CERTIFICATE OF COMPLETION"
SALUTATION_SUFFIX = "同志："
VERIFY_HINT = "扫描二维码或访问以下网址查验证书真伪："
SERIAL_LABEL = "证书编号："

# Page furniture, in points from the bottom-left corner.
OUTER_BORDER_INSET = 18
INNER_BORDER_INSET = 26
# Everything written must stay inside this box (tests hold the layout to it).
SAFE_LEFT = SAFE_BOTTOM = 40
SAFE_RIGHT = PAGE_WIDTH - 40
SAFE_TOP = PAGE_HEIGHT - 40

BODY_LEFT = 110
BODY_RIGHT = PAGE_WIDTH - 110
BODY_BOTTOM = 178  # the QR code and the signature block live below this

QR_SIZE = 86
QR_LEFT = 72
QR_BOTTOM = 58
FOOTNOTE_LEFT = QR_LEFT + QR_SIZE + 14
FOOTNOTE_RIGHT = 500

SIGNATURE_CENTRE = PAGE_WIDTH - 190
SIGNATURE_WIDTH = 250

# Characters that must not begin a line, or end one (避头尾 in CJK typesetting).
NO_LINE_START = set("，。、；：？！）》」』】〕”’…—·・%‰℃,.;:?!)]}")
NO_LINE_END = set("（《「『【〔“‘([{")

# reportlab keeps per-document font state in shared objects; rendering is
# fast, so serialising it is cheaper than reasoning about thread safety.
_RENDER_LOCK = threading.Lock()


@dataclass(frozen=True)
class CertificateData:
    learner_name: str
    course_title: str
    study_hours: Decimal | int | float | str
    completion_date: date
    issuing_organisation: str
    serial: str
    verification_url: str
    # Date printed under the organisation; defaults to the completion date.
    issued_on: date | None = None


@dataclass(frozen=True)
class TextRun:
    """One piece of text in one style, placed on the page."""

    text: str
    x: float
    baseline: float
    size: float
    width: float
    colour: Color = INK
    bold: bool = False
    underline: bool = False
    char_space: float = 0.0

    @property
    def box(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) of the ink, generously rounded out."""
        return (self.x, self.baseline - 0.25 * self.size, self.x + self.width, self.baseline + 0.92 * self.size)


@dataclass(frozen=True)
class CertificateLayout:
    runs: tuple[TextRun, ...]
    qr_box: tuple[float, float, float, float]


def render_certificate(data: CertificateData, font_path=None, *, invariant: bool = False) -> bytes:
    """The certificate as PDF bytes.

    ``font_path`` overrides font discovery (see :func:`find_cjk_font`).
    ``invariant=True`` fixes the timestamps and document ID so that the same
    data always gives byte-identical output (for tests and caching).
    Raises ValueError for unusable data and CertificateFontError when no
    embeddable font has every character needed.
    """
    data = _cleaned(data)
    font_name = registered_font_name(find_cjk_font(font_path, required_text=_all_text(data)))
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


def layout_certificate(data: CertificateData, font_name: str) -> CertificateLayout:
    """Where every piece of text goes, shrinking text that would not fit."""
    data = _cleaned(data)
    title_runs = _title_runs(font_name)
    message_top = min(run.box[1] for run in title_runs) - 26
    message_runs = _salutation_runs(data.learner_name, font_name, top=message_top)
    body_top = min(run.box[1] for run in message_runs) - 14
    message_runs += _body_runs(data, font_name, top=body_top, bottom=BODY_BOTTOM)
    # A short message would leave a hole above the footer: centre it in the
    # space it may use instead of hanging it from the title.
    slack = min(run.box[1] for run in message_runs) - BODY_BOTTOM
    message_runs = [replace(run, baseline=run.baseline - slack / 2) for run in message_runs]
    runs = title_runs + message_runs + _footnote_runs(data, font_name) + _signature_runs(data, font_name)
    qr_box = (QR_LEFT, QR_BOTTOM, QR_LEFT + QR_SIZE, QR_BOTTOM + QR_SIZE)
    return CertificateLayout(runs=tuple(runs), qr_box=qr_box)


# ---------------------------------------------------------------- input


def _cleaned(data: CertificateData) -> CertificateData:
    serial = normalise_serial(data.serial)
    if serial is None:
        raise ValueError(f"证书编号格式不正确：{data.serial!r}")
    if not isinstance(data.completion_date, date):
        raise ValueError("completion_date 必须是日期")
    if data.issued_on is not None and not isinstance(data.issued_on, date):
        raise ValueError("issued_on 必须是日期或 None")
    return replace(
        data,
        learner_name=_single_line(data.learner_name, "学员姓名"),
        course_title=_single_line(data.course_title, "课程名称").removeprefix("《").removesuffix("》"),
        issuing_organisation=_single_line(data.issuing_organisation, "颁发单位"),
        verification_url=_single_line(data.verification_url, "验证网址").replace(" ", ""),
        serial=serial,
        study_hours=_hours_text(data.study_hours),
    )


def _single_line(text: str, what: str) -> str:
    # Names come from user profiles: newlines and tabs become spaces, and
    # control/format characters (zero-width spaces, bidi overrides) that
    # would print as nothing or as boxes are dropped.
    text = unicodedata.normalize("NFC", str(text or ""))
    visible = "".join(
        " " if char.isspace() else char
        for char in text
        if char.isspace() or unicodedata.category(char) not in ("Cc", "Cf")
    )
    visible = " ".join(visible.split())
    if not visible:
        raise ValueError(f"{what}不能为空")
    return visible


def _hours_text(hours) -> str:
    try:
        value = Decimal(str(hours))
    except InvalidOperation:
        raise ValueError(f"学时不是数字：{hours!r}") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"学时必须是非负数：{hours!r}")
    value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
    return f"{value:f}"


def _date_text(day: date) -> str:
    # GB/T 9704 (党政机关公文格式) dates use Arabic numerals without padding.
    return f"{day.year}年{day.month}月{day.day}日"


def _message_paragraphs(data: CertificateData, course_title: str) -> list[list[tuple[str, str | None]]]:
    """The certificate's wording as styled characters: (char, None or "accent")."""

    def styled(text, style=None):
        return [(char, style) for char in text]

    return [
        styled(f"于{_date_text(data.completion_date)}完成《")
        + styled(course_title, "accent")
        + styled("》课程规定的全部学习内容，累计学习")
        + styled(data.study_hours, "accent")
        + styled("学时，准予结业。"),
        styled("特发此证。"),
    ]


def _all_text(data: CertificateData) -> str:
    """Everything that will be printed, so the font can be checked for it up front."""
    wording = "".join(char for paragraph in _message_paragraphs(data, data.course_title) for char, _ in paragraph)
    return "".join([
        TITLE, SUBTITLE, data.learner_name, SALUTATION_SUFFIX, wording, SERIAL_LABEL, data.serial,
        VERIFY_HINT, data.verification_url, data.issuing_organisation, _date_text(data.issued_on or data.completion_date),
    ])


# ---------------------------------------------------------------- layout pieces


def _title_runs(font_name: str) -> list[TextRun]:
    title = _centred_run(TITLE, font_name, 46, baseline=PAGE_HEIGHT - 118, colour=PARTY_RED, bold=True, char_space=20)
    subtitle = _centred_run(SUBTITLE, font_name, 10, baseline=PAGE_HEIGHT - 142, colour=GOLD, char_space=3.5)
    return [title, subtitle]


def _salutation_runs(name: str, font_name: str, top: float) -> list[TextRun]:
    suffix_size = 18
    suffix_width = stringWidth(SALUTATION_SUFFIX, font_name, suffix_size)
    gap = 10
    width = BODY_RIGHT - BODY_LEFT - suffix_width - gap
    # Transliterated names (阿依古丽·买买提, John Smith) break after a separator
    # dot or space, never inside a part unless the part alone is too wide.
    size, lines = _fit([(char, None) for char in name], font_name, width, largest=26, smallest=16, max_lines=2,
                       break_only_after="·・•‧ ")
    if len(lines) > 3:
        raise ValueError("学员姓名过长，证书上放不下")
    runs = []
    baseline = top - size
    for line in lines:
        text = "".join(char for char, _ in line)
        runs.append(TextRun(text, BODY_LEFT, baseline, size, stringWidth(text, font_name, size), bold=True, underline=True))
        baseline -= size * 1.45
    last = runs[-1]
    runs.append(TextRun(SALUTATION_SUFFIX, last.x + last.width + gap, last.baseline, suffix_size, suffix_width))
    return runs


def _body_runs(data: CertificateData, font_name: str, top: float, bottom: float) -> list[TextRun]:
    course = data.course_title
    for _ in range(len(course)):
        placed = _place_paragraphs(_message_paragraphs(data, course), font_name, top, bottom)
        if placed is not None:
            return placed
        # Even the smallest size is too big: only an absurdly long course
        # title gets here; the full title is on the verification page.
        course = course[: max(1, len(course) - max(4, len(course) // 10))].rstrip() + "…"
    raise ValueError("课程名称过长，证书上放不下")


def _place_paragraphs(paragraphs, font_name, top, bottom) -> list[TextRun] | None:
    width = BODY_RIGHT - BODY_LEFT
    size = 19.0
    while size >= 11:
        leading = size * 1.85
        indent = 2 * size  # two full-width characters, as Chinese paragraphs are set
        runs = []
        baseline = top - size
        for paragraph in paragraphs:
            for index, line in enumerate(_wrap(paragraph, font_name, size, width, first_indent=indent)):
                x = BODY_LEFT + (indent if index == 0 else 0)
                runs += _styled_line_runs(line, x, baseline, size, font_name)
                baseline -= leading
        if runs and min(run.box[1] for run in runs) >= bottom:
            return runs
        size -= 0.5
    return None


def _footnote_runs(data: CertificateData, font_name: str) -> list[TextRun]:
    width = FOOTNOTE_RIGHT - FOOTNOTE_LEFT
    runs = []
    baseline = QR_BOTTOM + QR_SIZE - 9
    serial_text = SERIAL_LABEL + data.serial
    size = _shrink_to_width(serial_text, font_name, width, largest=10.5, smallest=7)
    runs.append(TextRun(serial_text, FOOTNOTE_LEFT, baseline, size, stringWidth(serial_text, font_name, size)))
    baseline -= 20
    runs.append(_left_run(VERIFY_HINT, font_name, 9, FOOTNOTE_LEFT, baseline, colour=MUTED))
    baseline -= 14
    url = [(char, None) for char in data.verification_url]
    # Break after URL punctuation, so a line never ends mid-group of the serial.
    size, lines = _fit(url, font_name, width, largest=9, smallest=7, max_lines=4, break_only_after="/-?&=#")
    if len(lines) > 4:
        raise ValueError("验证网址过长，证书上放不下")
    for line in lines:
        text = "".join(char for char, _ in line)
        runs.append(TextRun(text, FOOTNOTE_LEFT, baseline, size, stringWidth(text, font_name, size), colour=MUTED))
        baseline -= size * 1.35
    return runs


def _signature_runs(data: CertificateData, font_name: str) -> list[TextRun]:
    date_run = _centred_run(_date_text(data.issued_on or data.completion_date), font_name, 15,
                            baseline=QR_BOTTOM + 22, centre=SIGNATURE_CENTRE)
    organisation = [(char, None) for char in data.issuing_organisation]
    size, lines = _fit(organisation, font_name, SIGNATURE_WIDTH, largest=18, smallest=11, max_lines=2)
    if len(lines) > 3:
        raise ValueError("颁发单位名称过长，证书上放不下")
    runs = [date_run]
    baseline = date_run.baseline + 15 + 12
    for line in reversed(lines):
        text = "".join(char for char, _ in line)
        runs.append(_centred_run(text, font_name, size, baseline=baseline, centre=SIGNATURE_CENTRE))
        baseline += size * 1.4
    return runs


# ---------------------------------------------------------------- text fitting


def _centred_run(text, font_name, size, baseline, centre=PAGE_WIDTH / 2, **style) -> TextRun:
    width = _spaced_width(text, font_name, size, style.get("char_space", 0.0))
    return TextRun(text, centre - width / 2, baseline, size, width, **style)


def _left_run(text, font_name, size, x, baseline, **style) -> TextRun:
    return TextRun(text, x, baseline, size, _spaced_width(text, font_name, size, style.get("char_space", 0.0)), **style)


def _spaced_width(text, font_name, size, char_space) -> float:
    # Character spacing is added after every character; the last one is
    # trailing space, not ink, so it does not count towards centring.
    return stringWidth(text, font_name, size) + char_space * max(0, len(text) - 1)


def _shrink_to_width(text, font_name, width, largest, smallest) -> float:
    natural = stringWidth(text, font_name, largest)
    if natural <= width:
        return largest
    return max(smallest, math.floor(largest * width / natural * 2) / 2)


def _fit(chars, font_name, width, largest, smallest, max_lines, **wrap_options):
    """Largest size (in half points) at which the text wraps into max_lines; else the smallest."""
    size = largest
    while True:
        lines = _wrap(chars, font_name, size, width, **wrap_options)
        if len(lines) <= max_lines or size <= smallest:
            return size, lines
        size = max(smallest, size - 0.5)


def _wrap(chars, font_name, size, width, first_indent=0.0, break_only_after=""):
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
            joined = before is not None and not _can_break(before, styled_char[0])
        if joined:
            units[-1].append(styled_char)
        else:
            units.append([styled_char])
    return units


def _can_break(before: str, after: str) -> bool:
    if after in NO_LINE_START or before in NO_LINE_END:
        return False
    if before == " " or after == " ":
        return True
    # Between two non-CJK characters we are inside a Latin word or number.
    return _is_cjk(before) or _is_cjk(after)


def _is_cjk(char: str) -> bool:
    return ord(char) >= 0x2E80


def _rstrip(line):
    while line and line[-1][0] == " ":
        line = line[:-1]
    return line


def _styled_line_runs(line, x, baseline, size, font_name) -> list[TextRun]:
    runs = []
    start = 0
    for end in range(1, len(line) + 1):
        if end == len(line) or line[end][1] != line[start][1]:
            text = "".join(char for char, _ in line[start:end])
            width = stringWidth(text, font_name, size)
            colour = PARTY_RED if line[start][1] == "accent" else INK
            runs.append(TextRun(text, x, baseline, size, width, colour=colour))
            x += width
            start = end
    return runs


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
