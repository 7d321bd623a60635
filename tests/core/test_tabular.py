"""The shared spreadsheet reader and formula shield (mooc.core.tabular)."""
import io
import zipfile

import pytest

from mooc.core import tabular
from mooc.dashboard.exports import write_csv
from mooc.quizzes.formats.sheet import parse_xlsx


@pytest.mark.parametrize("text", ["=1+1", "+86", "-5", "@SUM(A1)", "\tx", "'=already", "''",
                                  "plain", "", "'plain"])
def test_escaped_text_reads_back_unchanged(text):
    escaped = tabular.escape_formula(text)
    assert not escaped.startswith(tabular.FORMULA_START)
    assert tabular.unescape_formula(escaped) == text


def test_non_text_values_pass_through():
    assert tabular.escape_formula(-3) == -3
    assert tabular.escape_formula(None) is None


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_before_parsing():
    bomb = _zip([("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))])
    with pytest.raises(tabular.TabularError) as caught:
        tabular.open_workbook(bomb)
    assert caught.value.reason == tabular.TOO_LARGE
    assert [e.message for e in parse_xlsx(bomb).errors] == ["文件内容过大，请拆分后分批导入"]


def test_too_many_entries_or_bytes_are_refused(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_ENTRIES", 3)
    with pytest.raises(tabular.TabularError):
        tabular.check_archive(_zip([(f"f{i}", b"x") for i in range(4)]))
    with pytest.raises(tabular.TabularError):
        tabular.check_archive(_zip([("a", b"x" * 2000)]), max_unzipped_bytes=1000)


def test_export_header_cells_are_escaped_too():
    stream = io.BytesIO()
    write_csv(["=HYPERLINK(1)·应学", "姓名"], [["=cmd", 3]], stream)
    lines = stream.getvalue().decode("utf-8-sig").splitlines()
    assert lines == ["'=HYPERLINK(1)·应学,姓名", "'=cmd,3"]


def test_xlsx_export_header_cells_are_escaped_too():
    """Issue 15 item 7: a course titled =HYPERLINK(…) is text in the units export's header."""
    from openpyxl import load_workbook
    from mooc.dashboard.exports import write_xlsx
    stream = io.BytesIO()
    write_xlsx(["组织", '=HYPERLINK("http://evil.example","x")·完成率'], [["第一支部", "+1"]], stream)
    sheet = load_workbook(io.BytesIO(stream.getvalue())).active
    header, row = list(sheet.iter_rows(values_only=True))
    assert header[1].startswith("'=HYPERLINK")
    assert row == ("第一支部", "'+1")
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)
