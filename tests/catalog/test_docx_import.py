"""Word → Markdown conversion, with .docx files built here by python-docx."""
from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.shared import OxmlElement
from docx.shared import Inches
from markdown_it import MarkdownIt
from PIL import Image

from mooc.catalog.docx import importer as docx_import
from mooc.catalog.docx.importer import DocxImportError, docx_to_markdown


def png_bytes(colour=(200, 0, 0)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 8), colour).save(buffer, "PNG")
    return buffer.getvalue()


def saved(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class ImageStore:
    def __init__(self):
        self.images: list[tuple[bytes, str]] = []

    def __call__(self, data: bytes, ext: str) -> str:
        self.images.append((data, ext))
        return f"/courses/1/media/{len(self.images):02d}.{ext}"


def convert(document) -> tuple[str, list[str], ImageStore]:
    store = ImageStore()
    markdown, warnings = docx_to_markdown(saved(document), store)
    return markdown, warnings, store


def html(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


def set_level(paragraph, ilvl: int, num_id: str | None = None) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    num_pr = p_pr.find(qn("w:numPr"))
    if num_pr is None:
        num_pr = OxmlElement("w:numPr")
        p_pr.append(num_pr)
    level = OxmlElement("w:ilvl")
    level.set(qn("w:val"), str(ilvl))
    num_pr.append(level)
    if num_id:
        number = OxmlElement("w:numId")
        number.set(qn("w:val"), num_id)
        num_pr.append(number)


def add_hyperlink(paragraph, url: str, text: str) -> None:
    rel_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = parse_xml(f'<w:hyperlink {nsdecls("w", "r")} r:id="{rel_id}">'
                     f"<w:r><w:t>{text}</w:t></w:r></w:hyperlink>")
    paragraph._p.append(link)


def add_ruby(paragraph, base: str, guide: str) -> None:
    paragraph._p.append(parse_xml(
        f'<w:r {nsdecls("w")}><w:ruby><w:rubyPr/><w:rt><w:r><w:t>{guide}</w:t></w:r></w:rt>'
        f"<w:rubyBase><w:r><w:t>{base}</w:t></w:r></w:rubyBase></w:ruby></w:r>"))


def test_headings_including_chinese_style_names_and_outline_levels():
    document = Document()
    document.add_heading("第一章 党章", level=1)
    document.add_heading("一、总纲", level=2)
    document.add_heading("（一）性质", level=3)
    chinese = document.styles.add_style("标题 2", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("中文样式的标题", style=chinese)
    outline = document.styles.add_style("章节名", WD_STYLE_TYPE.PARAGRAPH)
    outline_level = OxmlElement("w:outlineLvl")
    outline_level.set(qn("w:val"), "3")
    outline.element.get_or_add_pPr().append(outline_level)
    document.add_paragraph("大纲级别 4", style=outline)
    heading = document.add_heading("", level=2)
    heading.add_run("加粗的").bold = True
    heading.add_run("标题")
    markdown, warnings, _ = convert(document)
    assert markdown.splitlines()[::2] == [
        "# 第一章 党章", "## 一、总纲", "### （一）性质", "## 中文样式的标题", "#### 大纲级别 4", "## 加粗的标题"]
    assert warnings == []


def test_bold_italic_and_escaping():
    document = Document()
    paragraph = document.add_paragraph("学习")
    paragraph.add_run("党章").bold = True
    paragraph.add_run("和")
    paragraph.add_run("党规").italic = True
    both = paragraph.add_run("全文")
    both.bold = both.italic = True
    paragraph.add_run("。*星号* 和 [方括号]")
    quoted = document.add_paragraph("前面")
    quoted.add_run("“引号内加粗”").bold = True
    quoted.add_run("后面")
    document.add_paragraph("1. 手工编号的段落")
    markdown, _, _ = convert(document)
    assert "学习**党章**和*党规****全文***。\\*星号\\* 和 \\[方括号\\]" in markdown
    # Emphasis next to CJK punctuation only renders with the quotes outside.
    assert "前面“**引号内加粗**”后面" in markdown
    rendered = html(markdown)
    assert "<strong>引号内加粗</strong>" in rendered
    assert "<p>1. 手工编号的段落</p>" in rendered


def test_bulleted_numbered_and_nested_lists():
    document = Document()
    document.add_paragraph("前言")
    document.add_paragraph("政治纪律", style="List Bullet")
    child = document.add_paragraph("首先是政治规矩", style="List Bullet")
    set_level(child, 1)
    document.add_paragraph("组织纪律", style="List Bullet")
    document.add_paragraph("正文")
    document.add_paragraph("递交申请", style="List Number")
    document.add_paragraph("确定积极分子", style="List Number")
    document.add_paragraph("二级", style="List Number 2")
    document.add_paragraph("支部大会", style="List Number")
    markdown, _, _ = convert(document)
    assert "- 政治纪律\n  - 首先是政治规矩\n- 组织纪律" in markdown
    assert "1. 递交申请\n2. 确定积极分子\n   1. 二级\n3. 支部大会" in markdown
    rendered = html(markdown)
    assert rendered.count("<ul>") == 2 and rendered.count("<ol>") == 2
    assert "<li>政治纪律\n<ul>\n<li>首先是政治规矩</li>" in rendered


def test_table_with_merged_cells_and_pipes():
    document = Document()
    table = document.add_table(rows=3, cols=3)
    for column, title in enumerate(["会议", "频次|说明", "备注"]):
        table.cell(0, column).text = title
    table.cell(1, 0).text = "支委会"
    table.cell(1, 1).merge(table.cell(1, 2)).text = "每月一次"
    table.cell(1, 0).merge(table.cell(2, 0))
    table.cell(2, 1).text = "第二段"
    table.cell(2, 1).add_paragraph("第二行")
    table.cell(2, 2).text = "无"
    markdown, _, _ = convert(document)
    assert markdown.strip().splitlines() == [
        "| 会议 | 频次\\|说明 | 备注 |",
        "| --- | --- | --- |",
        "| 支委会 | 每月一次 |  |",
        "|  | 第二段 第二行 | 无 |",
    ]
    assert "<td>每月一次</td>" in html(markdown)


def test_single_cell_table_becomes_a_quote():
    document = Document()
    document.add_table(rows=1, cols=1).cell(0, 0).text = "注意：涉密不上网"
    markdown, _, _ = convert(document)
    assert markdown == "> 注意：涉密不上网\n"


def test_images_are_stored_in_run_order():
    document = Document()
    red, blue = png_bytes((200, 0, 0)), png_bytes((0, 0, 200))
    paragraph = document.add_paragraph("图一")
    paragraph.add_run().add_picture(io.BytesIO(red), width=Inches(1))
    paragraph.add_run("之后是图二")
    paragraph.add_run().add_picture(io.BytesIO(blue), width=Inches(1))
    document.add_paragraph().add_run().add_picture(io.BytesIO(red), width=Inches(1))
    markdown, warnings, store = convert(document)
    assert [ext for _, ext in store.images] == ["png", "png"]
    assert store.images[0][0] == red and store.images[1][0] == blue
    assert "图一![](/courses/1/media/01.png)之后是图二![](/courses/1/media/02.png)" in markdown
    # The same picture used twice is stored once.
    assert markdown.strip().endswith("![](/courses/1/media/01.png)")
    assert warnings == []


def test_image_limit_warns(monkeypatch):
    monkeypatch.setattr(docx_import, "MAX_IMAGES", 1)
    document = Document()
    for colour in ((1, 2, 3), (4, 5, 6)):
        document.add_paragraph().add_run().add_picture(io.BytesIO(png_bytes(colour)))
    markdown, warnings, store = convert(document)
    assert len(store.images) == 1 and markdown.count("![") == 1
    assert any("图片过多" in warning for warning in warnings)


def test_store_image_may_refuse_with_a_warning():
    document = Document()
    document.add_paragraph("文字").add_run().add_picture(io.BytesIO(png_bytes()))

    def refuse(data, ext):
        raise ValueError("存储空间不足")

    markdown, warnings = docx_to_markdown(saved(document), refuse)
    assert markdown == "文字\n"
    assert warnings == ["有图片无法保存：存储空间不足"]


def test_phonetic_guides_are_removed():
    document = Document()
    document.add_paragraph("密切联(lián)系群众，党（dǎng）的建设")
    paragraph = document.add_paragraph("拼音指南：")
    add_ruby(paragraph, "党", "dǎng")
    add_ruby(paragraph, "章", "zhāng")
    markdown, _, _ = convert(document)
    assert "密切联系群众，党的建设" in markdown
    assert "拼音指南：党章" in markdown and "zhāng" not in markdown


def test_pasted_text_is_cleaned():
    document = Document()
    document.add_paragraph("全角ＡＢＣ１２３\u200b，见附件(附件一)")
    markdown, _, _ = convert(document)
    assert markdown == "全角ABC123，见附件（附件一）\n"


def test_hyperlinks():
    document = Document()
    paragraph = document.add_paragraph("详见")
    add_hyperlink(paragraph, "https://www.12371.cn/", "共产党员网")
    paragraph.add_run("。")
    markdown, _, _ = convert(document)
    assert "详见[共产党员网](https://www.12371.cn/)。" in markdown


def test_line_breaks_inside_a_paragraph():
    document = Document()
    run = document.add_paragraph("第一行").add_run()
    run.add_break()
    run.add_text("第二行")
    markdown, _, _ = convert(document)
    assert markdown == "第一行\\\n第二行\n"
    assert "<br />" in html(markdown)


@pytest.mark.parametrize("data, message", [
    (b"", "不是有效的 Word 文档（.docx）"),
    (b"plain text, not a document", "不是有效的 Word 文档（.docx）"),
    (b"PK\x03\x04 truncated zip", "不是有效的 Word 文档（.docx）"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"), "密码"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"WordDocument", "旧版 Word"),
])
def test_rejects_files_that_are_not_docx(data, message):
    with pytest.raises(DocxImportError, match=message) as caught:
        docx_to_markdown(data, ImageStore())
    assert isinstance(caught.value, ValueError)


def test_rejects_other_zip_files_and_damaged_documents():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(DocxImportError, match="不是有效的 Word 文档"):
        docx_to_markdown(buffer.getvalue(), ImageStore())

    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(saved(Document()))) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, b"<broken" if item.filename == "word/document.xml" else data)
    with pytest.raises(DocxImportError, match="损坏"):
        docx_to_markdown(damaged.getvalue(), ImageStore())


def test_size_limit(monkeypatch):
    monkeypatch.setattr(docx_import, "MAX_DOCX_BYTES", 100)
    with pytest.raises(DocxImportError, match="文档过大"):
        docx_to_markdown(saved(Document()), ImageStore())


def test_whole_document_renders():
    document = Document()
    document.add_heading("主题党日", level=1)
    document.add_paragraph("步骤", style="List Number")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "项目", "要求"
    table.cell(1, 0).text, table.cell(1, 1).text = "签到", "线上"
    document.add_paragraph("结束语")
    markdown, _, _ = convert(document)
    assert markdown == ("# 主题党日\n\n1. 步骤\n\n| 项目 | 要求 |\n| --- | --- |\n| 签到 | 线上 |\n\n结束语\n")
