"""Reading a roster file: .xlsx or .csv bytes → the header's columns and the data rows.

The spreadsheet mechanics (zip-bomb check, decoding, delimiters) live in
mooc.core.tabular; this module knows what a roster's header looks like and turns
every reading problem into a FileProblem with a Chinese message for the preview.
"""
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path

from mooc.core import tabular
from mooc.core.textclean import clean_line

MAX_ROWS = 5000
MAX_COLUMNS = 50
# A sheet formatted "down to the bottom" holds a million styled but empty rows;
# after this many blank rows in a row we treat the sheet as finished.
MAX_BLANK_RUN = 1000
MAX_UNZIPPED_BYTES = tabular.MAX_UNZIPPED_BYTES
HEADER_SEARCH_ROWS = 10
_XLSX_BROKEN = "文件已损坏或不是有效的 Excel（.xlsx）文件"

NAME, USERNAME, PHONE, ORG, CATEGORY, ROLE = "姓名", "账号", "手机号", "所属组织", "政治面貌", "角色"
COLUMNS = [NAME, USERNAME, PHONE, ORG, CATEGORY, ROLE]
REQUIRED_COLUMNS = [NAME, USERNAME, ORG, CATEGORY]
# Header spellings seen in real branch rosters, mapped to our column names.
COLUMN_ALIASES = {
    "姓名": NAME, "名字": NAME,
    "账号": USERNAME, "帐号": USERNAME, "用户名": USERNAME, "登录名": USERNAME,
    "登录账号": USERNAME, "登录帐号": USERNAME,
    "手机号": PHONE, "手机": PHONE, "手机号码": PHONE, "联系电话": PHONE, "电话": PHONE,
    "所属组织": ORG, "所属党组织": ORG, "组织": ORG, "所在支部": ORG, "所在党支部": ORG,
    "政治面貌": CATEGORY, "人员类别": CATEGORY,
    "角色": ROLE,
}


class FileProblem(Exception):
    """A problem with the whole file; becomes a file-level RowError in the preview."""


def detect_kind(filename, data):
    """'xlsx' or 'csv', judged by content first: people rename files."""
    suffix = Path(filename or "").suffix.lower()
    if tabular.is_old_excel(data):
        # OLE2: the old .xls format, or an .xlsx protected with a password.
        raise FileProblem("不支持旧版 .xls 或加密的 Excel 文件，"
                          "请在 Excel 中另存为 .xlsx（不设密码）后再导入")
    if tabular.is_xlsx(data):
        return "xlsx"
    if suffix in (".xlsx", ".xlsm"):
        raise FileProblem(_XLSX_BROKEN)
    if suffix in (".csv", ".txt"):
        return "csv"
    raise FileProblem("只支持 .xlsx 和 .csv 格式的名册文件")


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        # Excel stores 13800138000 as a number; never show it as 13800138000.0.
        value = int(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return clean_line(value)


def _xlsx_sheets(data):
    try:
        workbook = tabular.open_workbook(data, max_unzipped_bytes=MAX_UNZIPPED_BYTES)
    except tabular.TabularError as exc:
        if exc.reason == tabular.TOO_LARGE:
            raise FileProblem("文件内容过大，请拆分后分批导入") from exc
        raise FileProblem(_XLSX_BROKEN) from exc
    yield from workbook.worksheets


def _xlsx_rows(sheet):
    try:
        for values in tabular.sheet_values(sheet, MAX_COLUMNS):
            yield [_cell_text(v) for v in values]
    except tabular.TabularError as exc:
        raise FileProblem("文件已损坏，无法读取全部内容") from exc


def _csv_rows(data):
    text = tabular.decode_text(data, reject_control=True)
    if text is None:
        raise FileProblem("无法读取文件内容：请确认是 UTF-8 或 GBK 编码的 CSV 文本文件")
    try:
        for values in tabular.csv_records(text):
            yield [clean_line(v) for v in values[:MAX_COLUMNS]]
    except tabular.TabularError as exc:
        raise FileProblem("CSV 文件格式不正确，无法读取") from exc


def _header_key(cell):
    # "手机号（选填）", "*姓名", " 账号 " all name the same column.
    text = unicodedata.normalize("NFKC", cell or "")
    text = re.sub(r"[(（\[【].*$", "", text)
    return COLUMN_ALIASES.get(re.sub(r"[\s*＊]", "", text))


def _find_header(rows):
    """(row number, {column: index}) of the header among the first rows, else None.

    Title rows above the header ("2024 年党员名册") are allowed; row numbers stay
    the ones the spreadsheet shows.
    """
    for number, values in rows:
        columns = {}
        for index, cell in enumerate(values):
            key = _header_key(cell)
            if key and key not in columns:
                columns[key] = index
        if len(columns) >= 2:
            return number, columns
        if number >= HEADER_SEARCH_ROWS:
            break
    return None


def _numbered(rows):
    return ((number, values) for number, values in enumerate(rows, start=1))


def table(kind, data):
    """The header columns and an iterator of (row number, values) below it."""
    if kind == "csv":
        sources = [lambda: _csv_rows(data)]
    else:
        sources = [lambda s=sheet: _xlsx_rows(s) for sheet in _xlsx_sheets(data)]
    for source in sources:
        rows = _numbered(source())
        found = _find_header(rows)
        if found and all(column in found[1] for column in REQUIRED_COLUMNS):
            return found[1], rows
    # Report against the first sheet, whose header is the likeliest intended one.
    rows = _numbered(sources[0]()) if sources else iter(())
    found = _find_header(rows)
    present = found[1] if found else {}
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    raise FileProblem(f"缺少必填列：{'、'.join(missing)}（第一行应为表头：{'、'.join(COLUMNS)}）")


def collect_rows(columns, rows):
    """Non-empty data rows as (row number, {column: text}), within the limits."""
    collected, blank_run = [], 0
    for number, values in rows:
        if not any(values):
            blank_run += 1
            if blank_run >= MAX_BLANK_RUN:
                break
            continue
        blank_run = 0
        if len(collected) >= MAX_ROWS:
            raise FileProblem(f"数据超过 {MAX_ROWS} 行，请拆分后分批导入")
        collected.append((number, {column: values[index] if index < len(values) else ""
                                   for column, index in columns.items()}))
    if not collected:
        raise FileProblem("表头下面没有数据")
    return collected


