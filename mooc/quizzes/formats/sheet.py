"""Excel (.xlsx) and CSV question banks: reader, writer and template.

One question per row under a header row:

    题型 | 题目 | 选项A … 选项F | 答案 | 解析 | 难度 | 标签

Teachers fill these by hand, so the reader is forgiving about how answers
are written (``A.C.D.``, ``a、c``, full-width letters, ``√``/``×``…) but
strict about what they mean: a bad row is reported with its row number as
Excel shows it (header = row 1), the column name and a Chinese reason, and
is skipped.  Files that aren't spreadsheets produce an issue, never an
exception.

Only what a spreadsheet can hold round-trips: kind, stem, options, answer,
explanation, difficulty, tags.  Names, text formats, GIFT weights and
feedback are GIFT-only, and fill answers can't contain the ``|``/``；``
separators.

CSV cells starting with ``= + - @`` are written with a leading apostrophe so
Excel doesn't run them as formulas; the reader takes it off again.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from typing import Any, Iterable, Iterator

from mooc.core import tabular
from mooc.core.tabular import escape_formula, unescape_formula
from mooc.quizzes.formats.common import ImportResult, QuestionData
from mooc.quizzes.formats.sheet_rows import (
    TEMPLATE_OPTION_COUNT,
    RowReader,
    header_columns,
    option_column,
    question_rows,
)

MAX_DATA_ROWS = 5000
MAX_SCANNED_ROWS = 50_000  # rows of formatting-only padding still cost time to read
MAX_COLUMNS = 40
HEADER_SEARCH_ROWS = 5  # a title line above the header is common in hand-made sheets


REQUIRED_COLUMNS = ("题型", "题目", "答案")
COLUMN_WIDTHS = {"题型": 8, "题目": 50, "答案": 10, "解析": 40, "难度": 6, "标签": 18}
OPTION_WIDTH = 20

_COLUMN_ALIASES = {"题型": "题型", "题目类型": "题型", "类型": "题型",
                   "题目": "题目", "题干": "题目", "试题": "题目", "题目内容": "题目", "问题": "题目",
                   "答案": "答案", "正确答案": "答案", "参考答案": "答案", "标准答案": "答案",
                   "解析": "解析", "答案解析": "解析", "试题解析": "解析",
                   "难度": "难度", "难易度": "难度", "难易程度": "难度",
                   "标签": "标签", "知识点": "标签"}
_OPTION_HEADER = re.compile(r"^(?:选项)?([A-Z])$")
_HEADER_NOISE = re.compile(r"[\s*]|\(.*?\)")

EXAMPLE_ROWS = [
    ["单选", "中国共产党的根本宗旨是（ ）。", "全心全意为人民服务", "实现共产主义",
     "发展社会生产力", "坚持依法治国", "", "", "A",
     "党章总纲：党除了工人阶级和最广大人民群众的利益，没有自己特殊的利益。", "易", "党章，宗旨"],
    ["多选", "下列属于党的纪律的有（ ）。", "政治纪律", "组织纪律", "廉洁纪律", "娱乐纪律",
     "", "", "ABC", "党的纪律包括政治纪律、组织纪律、廉洁纪律、群众纪律、工作纪律、生活纪律。",
     "中", "纪律建设"],
    ["判断", "年满十八岁的中国工人、农民、军人、知识分子和其他社会阶层的先进分子，"
     "可以申请加入中国共产党。", "", "", "", "", "", "", "对", "见党章第一条。", "易", "党章，党员"],
    ["填空", "中国共产党的最高理想和最终目标是实现____。", "", "", "", "", "", "", "共产主义",
     "多个可接受的答案用 | 分隔。", "中", "党章"],
]


def canonical_column(title: str) -> str | None:
    """Header cell → our column name; tolerates "题型*", "题目（必填）", "A", 全角."""
    cleaned = _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", title)).upper()
    option = _OPTION_HEADER.match(cleaned)
    if option:
        return option_column(ord(option.group(1)) - ord("A"))
    return _COLUMN_ALIASES.get(cleaned)


# --------------------------------------------------------------------------
# Cell values
# --------------------------------------------------------------------------

def _cell_text(value: Any) -> str:
    """What a cell says, as the teacher typed it (1921 not 1921.0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


# --------------------------------------------------------------------------
# Reading rows
# --------------------------------------------------------------------------

def _find_header(rows: list[tuple[int, list[str]]]) -> tuple[int, dict[str, int]] | None:
    for row_number, cells in rows[:HEADER_SEARCH_ROWS]:
        columns: dict[str, int] = {}
        for index, cell in enumerate(cells):
            name = canonical_column(cell)
            if name and name not in columns:
                columns[name] = index
        # Two known column names make a header, so a missing 题型 is reported as such.
        if len(columns) >= 2 and ("题型" in columns or "题目" in columns):
            return row_number, columns
    return None


def _read_rows(rows: Iterable[tuple[int, list[str]]]) -> ImportResult:
    """Shared by xlsx and CSV: ``rows`` are (row number as shown, cell texts)."""
    result = ImportResult()
    pending: list[tuple[int, list[str]]] = []
    reader: RowReader | None = None
    data_rows = 0
    for row_number, cells in rows:
        if row_number > MAX_SCANNED_ROWS:
            return _failure(f"文件行数过多（超过 {MAX_SCANNED_ROWS} 行），请删除多余的空行后再导入",
                            row_number)
        if not any(cells):
            continue
        if reader is None:
            pending.append((row_number, cells))
            found = _find_header(pending)
            if found is not None:
                header_row, columns = found
                missing = [name for name in REQUIRED_COLUMNS if name not in columns]
                if missing:
                    result.error(header_row, "缺少必需的列：" + "、".join(missing))
                    return result
                reader = RowReader(result, columns)
                # Rows above the header (a title line) are not questions.
                pending = []
            elif len(pending) >= HEADER_SEARCH_ROWS:
                break
            continue
        data_rows += 1
        if data_rows > MAX_DATA_ROWS:
            return _failure(f"题目超过 {MAX_DATA_ROWS} 行，请拆分成多个文件分批导入", row_number)
        reader.read(row_number, cells)
    if reader is None:
        result.error(1, "没有找到表头：第一行应包含“题型”“题目”“答案”等列，请参照模板填写")
    return result


def _xlsx_rows(worksheet) -> Iterator[tuple[int, list[str]]]:
    for row_number, values in enumerate(tabular.sheet_values(worksheet, MAX_COLUMNS), start=1):
        # Formatting-only padding rows are common; don't convert forty Nones each time.
        if any(value is not None for value in values):
            yield row_number, [_cell_text(value) for value in values]
        else:
            yield row_number, []


def _read_bytes(file_or_bytes: Any) -> bytes:
    if isinstance(file_or_bytes, (bytes, bytearray, memoryview)):
        return bytes(file_or_bytes)
    return file_or_bytes.read()


def parse_xlsx(file_or_bytes: Any) -> ImportResult:
    """Read an .xlsx question bank (bytes or a binary file object)."""
    try:
        data = _read_bytes(file_or_bytes)
    except Exception:
        return _failure("无法读取上传的文件")
    if tabular.is_old_excel(data):
        return _failure("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再导入")
    if not tabular.is_xlsx(data):
        return _failure("文件不是有效的 Excel（.xlsx）文件")
    try:
        workbook = tabular.open_workbook(data)
    except tabular.TabularError as error:
        if error.reason == tabular.TOO_LARGE:
            return _failure("文件内容过大，请拆分后分批导入")
        return _failure("无法打开 Excel 文件，文件可能已损坏或不是 .xlsx 格式")
    try:
        return _read_rows(_xlsx_rows(workbook.worksheets[0]))
    except Exception:
        return _failure("读取 Excel 内容时出错，文件可能已损坏")
    finally:
        workbook.close()


def parse_csv(data: bytes) -> ImportResult:
    """Read a CSV (or tab-separated) question bank in UTF-8, UTF-8 with BOM or GBK."""
    if isinstance(data, str):
        text: str | None = data.lstrip("\ufeff")
    else:
        data = _read_bytes(data)
        if tabular.is_xlsx(data) or tabular.is_old_excel(data):
            return parse_xlsx(data)  # an Excel file uploaded under the CSV option
        text = tabular.decode_text(data)
    if text is None:
        return _failure("无法识别文件编码，请将文件另存为 UTF-8 或 GBK 编码的 CSV")
    if "\x00" in text:
        return _failure("文件不是文本格式的 CSV 表格")
    try:
        # Stripped before and after: "  '=x" and "'\tx" both read as the text they stood for.
        rows = ((number, [_cell_text(unescape_formula(_cell_text(value))) for value in record])
                for number, record in enumerate(tabular.csv_records(text), start=1))
        return _read_rows(rows)
    except tabular.TabularError as error:
        return _failure(f"CSV 格式有误：{error.detail}")


def _failure(message: str, row: int = 0) -> ImportResult:
    """A whole-file problem: row 0 means "the file" rather than a row."""
    result = ImportResult()
    result.error(row, message)
    return result


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------

INSTRUCTIONS = [
    "填写说明",
    "1. 每行一道题，第 1 行是表头，请不要修改表头文字。",
    "2. 题型：单选、多选、判断、填空。",
    "3. 单选、多选：在“选项A”到“选项F”中依次填写选项，用不到的留空；答案填选项字母，如 A 或 ACD。",
    "4. 判断：答案填 对 或 错（也可填 正确/错误、√/×、T/F、是/否）。",
    "5. 填空：题目中用 ____ 表示空格；答案填正确内容，有多个可接受的答案时用 | 分隔。",
    "6. 难度：易、中、难，可留空。标签：多个标签用逗号、顿号或空格分隔。",
    f"7. 每个文件最多 {MAX_DATA_ROWS} 道题。示例行可以直接删除或改写。",
]


def _workbook_bytes(columns: list[str], rows: list[list[str]], *, as_template: bool = False) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "题目"
    sheet.append(columns)
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) for value in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":  # a stem like "=1+1" is text, not a formula
                cell.data_type = "s"
    for index, name in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = COLUMN_WIDTHS.get(name, OPTION_WIDTH)
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.cell(row=1, column=index).fill = PatternFill("solid", fgColor="F2DCDB")
    sheet.freeze_panes = "A2"

    if as_template:
        last_row = MAX_DATA_ROWS + 1
        for name, choices in (("题型", "单选,多选,判断,填空"), ("难度", "易,中,难")):
            letter = get_column_letter(columns.index(name) + 1)
            validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
            validation.add(f"{letter}2:{letter}{last_row}")
            sheet.add_data_validation(validation)
        notes = workbook.create_sheet("填写说明")
        for line in INSTRUCTIONS:
            notes.append([line])
        notes.column_dimensions["A"].width = 100
        notes["A1"].font = Font(bold=True)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_xlsx(questions: Iterable[QuestionData]) -> bytes:
    columns, rows = question_rows(questions)
    return _workbook_bytes(columns, rows)


def write_csv(questions: Iterable[QuestionData]) -> bytes:
    """UTF-8 with BOM, which Excel needs to show Chinese correctly."""
    columns, rows = question_rows(questions)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_formula(value) for value in columns])
    writer.writerows([escape_formula(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    """Blank import template: header, one example per type, drop-downs and widths."""
    return _workbook_bytes(header_columns(TEMPLATE_OPTION_COUNT), EXAMPLE_ROWS, as_template=True)
