"""Issue 15 item 3: compression bombs are refused from the zip directory, before parsing."""
import io
import zipfile

import pytest

from mooc.catalog.docx import importer as docx_import
from mooc.core import tabular, ziplimits


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


# ~300:1 like the probe's docx (432 KB → 136 MB document.xml), below the old 500:1 limit.
PARAGRAPH = b"<w:p><w:r><w:t>" + bytes(range(65, 91)) * 3 + b"</w:t></w:r></w:p>"
DOCX_BOMB = _zip([("[Content_Types].xml", b"<Types/>"),
                  ("word/document.xml", PARAGRAPH * 300_000)])
STRINGS_BOMB = _zip([("[Content_Types].xml", b"<Types/>"),
                     ("xl/sharedStrings.xml", b"<si><t>1</t></si>" * 2_000_000)])


def test_the_bombs_really_inflate_that_much():
    for bomb in (DOCX_BOMB, STRINGS_BOMB):
        info = max(zipfile.ZipFile(io.BytesIO(bomb)).infolist(), key=lambda i: i.file_size)
        assert info.file_size > ziplimits.MAX_RATIO * info.compress_size


def test_a_docx_bomb_is_refused_before_python_docx_sees_it(monkeypatch):
    import docx
    monkeypatch.setattr(docx, "Document", lambda *a: pytest.fail("parsed a bomb"))
    with pytest.raises(docx_import.DocxImportError) as caught:
        docx_import.docx_to_markdown(DOCX_BOMB, lambda data, ext: "")
    assert "已拒绝" in str(caught.value)


def test_an_xlsx_shared_strings_bomb_is_refused_before_openpyxl(monkeypatch):
    monkeypatch.setattr(tabular, "load_workbook", lambda *a, **k: pytest.fail("parsed a bomb"))
    with pytest.raises(tabular.TabularError) as caught:
        tabular.open_workbook(STRINGS_BOMB)
    assert caught.value.reason == tabular.TOO_LARGE


def test_question_sheets_refuse_it_with_a_chinese_message():
    from mooc.quizzes.formats import sheet
    result = sheet.parse_xlsx(STRINGS_BOMB)
    assert [e.message for e in result.errors] == ["文件内容过大，请拆分后分批导入"]


def test_limits_on_entries_entry_size_and_total():
    with pytest.raises(ziplimits.ZipLimitError) as caught:
        ziplimits.check_zip(_zip([(f"f{i}", b"x") for i in range(4)]),
                            ziplimits.Limits(max_entries=3))
    assert caught.value.reason == ziplimits.TOO_MANY_ENTRIES
    with pytest.raises(ziplimits.ZipLimitError) as caught:
        ziplimits.check_zip(_zip([("a", b"x" * 2000)]), ziplimits.Limits(max_entry_bytes=1000))
    assert caught.value.reason == ziplimits.TOO_LARGE
    with pytest.raises(ziplimits.ZipLimitError):
        ziplimits.check_zip(_zip([("a", b"x" * 600), ("b", b"y" * 600)]),
                            ziplimits.Limits(max_total_bytes=1000))
    with pytest.raises(ziplimits.ZipLimitError) as caught:
        ziplimits.check_zip(b"not a zip at all")
    assert caught.value.reason == ziplimits.NOT_A_ZIP


def test_an_ordinary_document_passes(tmp_path):
    from docx import Document
    document = Document()
    for n in range(200):
        document.add_paragraph(f"第{n}段：坚持和加强党的全面领导。")
    path = tmp_path / "ok.docx"
    document.save(path)
    assert ziplimits.check_zip(path.read_bytes())
    assert ziplimits.check_zip(path)
