"""Where every piece of a 结业证书 goes: pure arithmetic on font metrics.

:func:`layout_certificate` decides the position and size of every text run, so the
layout can be tested without parsing PDFs; pdf.py draws it. Line breaking (CJK
rules, fitting) is in linebreak.py.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase.pdfmetrics import stringWidth

from mooc.certificates.linebreak import fit, shrink_to_width, wrap
from mooc.certificates.serials import normalise_serial

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


def layout_certificate(data: CertificateData, font_name: str) -> CertificateLayout:
    """Where every piece of text goes, shrinking text that would not fit."""
    data = cleaned(data)
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


def cleaned(data: CertificateData) -> CertificateData:
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


def all_text(data: CertificateData) -> str:
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
    size, lines = fit([(char, None) for char in name], font_name, width, largest=26, smallest=16, max_lines=2,
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
            for index, line in enumerate(wrap(paragraph, font_name, size, width, first_indent=indent)):
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
    size = shrink_to_width(serial_text, font_name, width, largest=10.5, smallest=7)
    runs.append(TextRun(serial_text, FOOTNOTE_LEFT, baseline, size, stringWidth(serial_text, font_name, size)))
    baseline -= 20
    runs.append(_left_run(VERIFY_HINT, font_name, 9, FOOTNOTE_LEFT, baseline, colour=MUTED))
    baseline -= 14
    url = [(char, None) for char in data.verification_url]
    # Break after URL punctuation, so a line never ends mid-group of the serial.
    size, lines = fit(url, font_name, width, largest=9, smallest=7, max_lines=4, break_only_after="/-?&=#")
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
    size, lines = fit(organisation, font_name, SIGNATURE_WIDTH, largest=18, smallest=11, max_lines=2)
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
