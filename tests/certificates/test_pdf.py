import io
import itertools
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from mooc.certificates import fonts
from mooc.certificates.fonts import CertificateFontError, find_cjk_font, registered_font_name
from mooc.certificates.layout import (
    SAFE_BOTTOM,
    SAFE_LEFT,
    SAFE_RIGHT,
    SAFE_TOP,
    CertificateData,
    layout_certificate,
)
from mooc.certificates.pdf import render_certificate
from mooc.certificates.serials import new_serial

SERIAL = new_serial(b"test-key")
LONG_NAMES = [
    "阿卜杜热合曼·买买提明·艾力克斯·穆罕默德·阿不都克热木·吐尔逊纳依·托合提",
    "Maximilian Alexander Friedrich Wilhelm von Hohenzollern-Sigmaringen",
    "欧阳" + "很长的名字" * 8,  # no break opportunity at all
]
LONG_COURSE = "新时代基层党组织建设与党员教育管理实务专题培训课程（第二期）：学习贯彻党的二十大精神与全面从严治党"
LONG_ORGANISATION = "中共某某省某某市某某区某某街道工作委员会党群服务中心"


def certificate(**changes):
    values = dict(
        learner_name="张三丰",
        course_title="习近平新时代中国特色社会主义思想学习纲要",
        study_hours=Decimal("12.5"),
        completion_date=date(2024, 5, 20),
        issuing_organisation="中共某某市委党校",
        serial=SERIAL,
        verification_url=f"https://djmk.example.org/certificates/verify/{SERIAL}",
    )
    values.update(changes)
    return CertificateData(**values)


def page_text(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


@pytest.fixture(scope="module")
def font_name():
    return registered_font_name(find_cjk_font())


@pytest.fixture(scope="module")
def standard_pdf():
    return render_certificate(certificate(), invariant=True)


# ---------------------------------------------------------------- the PDF


def test_is_one_a4_landscape_page(standard_pdf):
    reader = PdfReader(io.BytesIO(standard_pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)


def test_text_extracts_as_chinese(standard_pdf):
    text = page_text(standard_pdf)
    for expected in ["结业证书", "张三丰", "同志", "12.5学时", "2024年5月20日", "中共某某市委党校", SERIAL]:
        assert expected in text
    # The course title may wrap; it must still be all there, in order.
    assert "习近平新时代中国特色社会主义思想学习纲要" in text.replace("\n", "")


def test_verification_url_is_printed(standard_pdf):
    text = page_text(standard_pdf).replace("\n", "")
    assert f"https://djmk.example.org/certificates/verify/{SERIAL}" in text


def test_every_font_is_embedded_truetype(standard_pdf):
    fonts_used = PdfReader(io.BytesIO(standard_pdf)).pages[0]["/Resources"]["/Font"]
    assert fonts_used
    for font in fonts_used.values():
        font = font.get_object()
        assert font["/Subtype"] == "/TrueType", font
        assert "/FontFile2" in font["/FontDescriptor"], font
        assert "/ToUnicode" in font  # what makes copy-paste give Chinese


def test_output_is_deterministic_when_invariant():
    assert render_certificate(certificate(), invariant=True) == render_certificate(certificate(), invariant=True)


def test_metadata_names_the_learner(standard_pdf):
    metadata = PdfReader(io.BytesIO(standard_pdf)).metadata
    assert "张三丰" in metadata.title
    assert metadata.author == "中共某某市委党校"


@pytest.mark.parametrize("name", ["李白", *LONG_NAMES])
def test_names_of_any_length_extract_whole(name):
    text = page_text(render_certificate(certificate(learner_name=name), invariant=True))
    assert name.replace(" ", "") in text.replace("\n", "").replace(" ", "")


def test_serial_is_printed_in_canonical_form():
    pdf = render_certificate(certificate(serial=SERIAL.lower().replace("-", "")), invariant=True)
    assert SERIAL in page_text(pdf)


# ---------------------------------------------------------------- layout


def overlaps(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"learner_name": "李白", "course_title": "党史", "issuing_organisation": "某支部", "study_hours": 1},
        *({"learner_name": name} for name in LONG_NAMES),
        {"course_title": LONG_COURSE},
        {"course_title": LONG_COURSE * 8},  # absurd, but must not spill
        {"issuing_organisation": LONG_ORGANISATION},
        {"learner_name": LONG_NAMES[0], "course_title": LONG_COURSE * 3, "issuing_organisation": LONG_ORGANISATION},
        {"verification_url": f"https://a-rather-long-hostname.party-building.example.org.cn/mooc/certificates/verify/{SERIAL}?lang=zh-CN"},
    ],
    ids=lambda changes: ",".join(changes) or "typical",
)
def test_layout_stays_on_the_page_without_overlaps(changes, font_name):
    layout = layout_certificate(certificate(**changes), font_name)
    for run in layout.runs:
        left, bottom, right, top = run.box
        assert SAFE_LEFT <= left and right <= SAFE_RIGHT, run
        assert SAFE_BOTTOM <= bottom and top <= SAFE_TOP, run
        assert not overlaps(run.box, layout.qr_box), run
    for a, b in itertools.combinations(layout.runs, 2):
        assert not overlaps(a.box, b.box), (a, b)


@pytest.mark.parametrize("name", ["李白", *LONG_NAMES])
def test_whole_name_is_laid_out(name, font_name):
    runs = layout_certificate(certificate(learner_name=name), font_name).runs
    name_runs = [run for run in runs if run.bold and run.underline]
    assert "".join(run.text for run in name_runs).replace(" ", "") == name.replace(" ", "")
    assert all(run.size >= 16 for run in name_runs)


def test_transliterated_name_breaks_after_a_dot(font_name):
    runs = layout_certificate(certificate(learner_name=LONG_NAMES[0]), font_name).runs
    name_lines = [run.text for run in runs if run.bold and run.underline]
    assert len(name_lines) == 2
    assert name_lines[0].endswith("·")


def test_short_texts_use_the_largest_sizes(font_name):
    runs = layout_certificate(certificate(learner_name="李白"), font_name).runs
    assert next(run for run in runs if run.text == "李白").size == 26


def test_absurd_course_title_is_shortened_not_spilled(font_name):
    runs = layout_certificate(certificate(course_title=LONG_COURSE * 20), font_name).runs
    assert any("…" in run.text for run in runs)


# ---------------------------------------------------------------- input checks


@pytest.mark.parametrize(
    "changes",
    [
        {"learner_name": "  "},
        {"learner_name": "\u200b"},
        {"course_title": ""},
        {"issuing_organisation": "\n"},
        {"serial": "not-a-serial"},
        {"study_hours": -1},
        {"study_hours": "很多"},
        {"study_hours": float("nan")},
        {"completion_date": "2024-05-20"},
    ],
    ids=repr,
)
def test_unusable_data_is_refused(changes):
    with pytest.raises(ValueError):
        render_certificate(certificate(**changes))


@pytest.mark.parametrize(
    "hours, printed",
    [(12, "12学时"), (12.0, "12学时"), (Decimal("1.50"), "1.5学时"), (0.1 + 0.2, "0.3学时"), ("40", "40学时")],
)
def test_study_hours_print_without_noise(hours, printed, font_name):
    runs = layout_certificate(certificate(study_hours=hours), font_name).runs
    assert printed in "".join(run.text for run in runs)


def test_invisible_characters_are_dropped_from_names(font_name):
    runs = layout_certificate(certificate(learner_name="张\u200b三丰\u202e"), font_name).runs
    assert any(run.text == "张三丰" for run in runs)


def test_course_title_is_not_double_quoted(font_name):
    runs = layout_certificate(certificate(course_title="《党章》"), font_name).runs
    text = "".join(run.text for run in runs)
    assert "《党章》" in text and "《《" not in text


def test_issue_date_defaults_to_completion_but_can_differ(font_name):
    runs = layout_certificate(certificate(issued_on=date(2024, 6, 1)), font_name).runs
    texts = [run.text for run in runs]
    assert "2024年6月1日" in texts
    assert any("2024年5月20日" in text for text in texts)


# ---------------------------------------------------------------- fonts


def test_shipped_font_is_found_by_default(monkeypatch):
    monkeypatch.delenv(fonts.FONT_PATH_ENV, raising=False)
    assert find_cjk_font() == fonts.SHIPPED_FONT


def test_shipped_font_is_small_and_covers_names():
    assert fonts.SHIPPED_FONT.stat().st_size < 5_000_000
    # 堃喆赟 are outside GB 2312 but common in names (通用规范汉字表).
    assert find_cjk_font(required_text="张三丰堃喆赟·《》“”ǚé") == fonts.SHIPPED_FONT


def test_explicit_path_wins_over_environment(monkeypatch, tmp_path):
    copy = tmp_path / "copy.ttf"
    shutil.copy(fonts.SHIPPED_FONT, copy)
    monkeypatch.setenv(fonts.FONT_PATH_ENV, "/nonexistent.ttf")
    assert find_cjk_font(copy) == copy


def test_environment_variable_is_used(monkeypatch, tmp_path):
    copy = tmp_path / "from-env.ttf"
    shutil.copy(fonts.SHIPPED_FONT, copy)
    monkeypatch.setenv(fonts.FONT_PATH_ENV, str(copy))
    assert find_cjk_font() == copy
    assert "张三丰" in page_text(render_certificate(certificate(), invariant=True))


def test_missing_explicit_font_is_a_clear_error(tmp_path):
    with pytest.raises(CertificateFontError, match="不存在"):
        find_cjk_font(tmp_path / "nope.ttf")


def test_cff_font_is_refused_with_an_explanation(tmp_path):
    fake_otf = tmp_path / "NotoSansCJK.otf"
    fake_otf.write_bytes(b"OTTO" + b"\0" * 200)
    with pytest.raises(CertificateFontError, match="TrueType"):
        find_cjk_font(fake_otf)


def test_character_missing_from_every_font_is_reported(monkeypatch):
    monkeypatch.delenv(fonts.FONT_PATH_ENV, raising=False)
    monkeypatch.setattr(fonts, "SYSTEM_FONTS", ())
    with pytest.raises(CertificateFontError, match="\U00020000"):
        find_cjk_font(required_text="张\U00020000")
    with pytest.raises(CertificateFontError):
        render_certificate(certificate(learner_name="张\U00020000"))


def test_no_font_at_all_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv(fonts.FONT_PATH_ENV, raising=False)
    monkeypatch.setattr(fonts, "SHIPPED_FONT", tmp_path / "gone.ttf")
    monkeypatch.setattr(fonts, "SYSTEM_FONTS", ())
    with pytest.raises(CertificateFontError, match="CERT_FONT_PATH"):
        find_cjk_font()


# ---------------------------------------------------------------- optional visual check


@pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("zbarimg")), reason="needs poppler-utils and zbar-tools")
def test_qr_code_scans_to_the_verification_url(standard_pdf, tmp_path):
    (tmp_path / "c.pdf").write_bytes(standard_pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", tmp_path / "c.pdf", tmp_path / "c"], check=True)
    scanned = subprocess.run(["zbarimg", "-q", "--raw", tmp_path / "c.png"], capture_output=True, text=True)
    assert scanned.stdout.strip() == f"https://djmk.example.org/certificates/verify/{SERIAL}"
