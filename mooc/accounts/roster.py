"""Roster import: a spreadsheet of members becomes user accounts, all or nothing.

Two steps, so an admin sees exactly what will happen before anything is written:

* ``parse_roster(filename, data)`` reads an .xlsx or .csv file, checks every row
  and returns a ``RosterPreview`` (rows with the action each would cause, and
  errors in Chinese, by row and column). It never raises on bad input.
* ``commit_roster(preview, actor)`` applies an error-free preview. Users are
  matched by 账号 (case-insensitive), so importing the same roster twice
  updates instead of duplicating.

Between the two, the web flow keeps the uploaded bytes under the instance folder
(``save_upload`` / ``load_upload`` / ``discard_upload``) and parses them again on
confirm, so what gets committed is what the admin was shown.

Messages are plain Chinese, like the account services they sit next to.
"""
import codecs
import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from mooc.accounts import services
from mooc.accounts.models import (ADMIN, CATEGORIES, CATEGORY_BY_LABEL, LEARNER, ROLE_BY_LABEL,
                                  ROLES, User)
from mooc.core.services import audit
from mooc.extensions import db
from mooc.org.models import Organisation
from mooc.org.services import find_by_label, full_name
from mooc.core.staged_uploads import StagedUploads

MAX_ROWS = 5000
MAX_COLUMNS = 50
# A sheet formatted "down to the bottom" holds a million styled but empty rows;
# after this many blank rows in a row we treat the sheet as finished.
MAX_BLANK_RUN = 1000
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
HEADER_SEARCH_ROWS = 10

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
EXAMPLE_ROW = ["张三", "zhangsan", "13800138000", None, "正式党员", "学员"]
UPLOAD_DIR = "roster_uploads"

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
FIELD_LABELS = {"name": NAME, "phone": PHONE, "org_id": ORG, "category": CATEGORY, "role": ROLE}


def _labels_by_code(by_label):
    """The first (preferred) Chinese label of each code, for "可选：…" hints."""
    labels = {}
    for label, code in by_label.items():
        labels.setdefault(code, label)
    return "、".join(labels.values())


CATEGORY_HINT = _labels_by_code(CATEGORY_BY_LABEL)
ROLE_HINT = _labels_by_code(ROLE_BY_LABEL)


class RosterError(ValueError):
    """The roster cannot be committed; the message is for the user, in Chinese."""


@dataclass
class RowError:
    row: int | None  # spreadsheet row number; None for a problem with the whole file
    column: str | None
    reason: str

    def __str__(self):
        if self.row is None:
            return self.reason
        if self.column:
            return f"第 {self.row} 行 · {self.column}：{self.reason}"
        return f"第 {self.row} 行：{self.reason}"


@dataclass
class RosterRow:
    row: int
    username: str
    name: str
    phone: str | None  # None: the cell was blank, an existing user keeps theirs
    org_id: int | None
    org_label: str  # full path, for the preview
    category: str
    role: str | None  # None: the cell was blank (new users become 学员)
    action: str = CREATE
    changes: list = field(default_factory=list)

    @property
    def category_label(self):
        return CATEGORIES.get(self.category, self.category)

    @property
    def role_label(self):
        return ROLES.get(self.role or LEARNER)

    @property
    def change_labels(self):
        return [FIELD_LABELS.get(name, name) for name in self.changes]


@dataclass
class RosterPreview:
    filename: str
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    @property
    def counts(self):
        counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0}
        for row in self.rows:
            counts[row.action] += 1
        return counts


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class _FileProblem(Exception):
    """Raised inside the readers; becomes a file-level RowError."""


# --------------------------------------------------------------------------
# Reading cells out of the file
# --------------------------------------------------------------------------

def _detect_kind(filename, data):
    """'xlsx' or 'csv', judged by content first: people rename files."""
    suffix = Path(filename or "").suffix.lower()
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        # OLE2: the old .xls format, or an .xlsx protected with a password.
        raise _FileProblem("不支持旧版 .xls 或加密的 Excel 文件，"
                           "请在 Excel 中另存为 .xlsx（不设密码）后再导入")
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if suffix in (".xlsx", ".xlsm"):
        raise _FileProblem("文件已损坏或不是有效的 Excel（.xlsx）文件")
    if suffix in (".csv", ".txt"):
        return "csv"
    raise _FileProblem("只支持 .xlsx 和 .csv 格式的名册文件")


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
    return str(value).strip()


def _check_unzipped_size(data):
    # A small .xlsx can inflate to gigabytes, and openpyxl loads shared strings whole.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _FileProblem("文件已损坏或不是有效的 Excel（.xlsx）文件") from exc
    if unzipped > MAX_UNZIPPED_BYTES:
        raise _FileProblem("文件内容过大，请拆分后分批导入")


def _xlsx_sheets(data):
    from openpyxl import load_workbook
    _check_unzipped_size(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors on a broken file
        raise _FileProblem("文件已损坏或不是有效的 Excel（.xlsx）文件") from exc
    for sheet in workbook.worksheets:
        if hasattr(sheet, "reset_dimensions"):
            # Files written by other tools often declare a wrong sheet size.
            sheet.reset_dimensions()
        yield sheet


def _xlsx_rows(sheet):
    try:
        for values in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            yield [_cell_text(v) for v in values]
    except Exception as exc:  # broken XML inside a valid zip, bad cell types, …
        raise _FileProblem("文件已损坏，无法读取全部内容") from exc


def _decode_text(data):
    if data.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]  # Excel's "Unicode 文本"
    else:
        # Excel on Chinese Windows saves CSV in GBK; GB18030 is its superset.
        encodings = ["utf-8", "gb18030"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(unicodedata.category(ch) == "Cc" and ch not in "\t\r\n" for ch in text):
            break  # binary content that happens to decode
        return text
    raise _FileProblem("无法读取文件内容：请确认是 UTF-8 或 GBK 编码的 CSV 文本文件")


def _csv_rows(data):
    text = _decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", "\t", ";"], key=first_line.count) if first_line else ","
    try:
        for values in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            yield [v.strip() for v in values[:MAX_COLUMNS]]
    except csv.Error as exc:
        raise _FileProblem("CSV 文件格式不正确，无法读取") from exc


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


def _table(kind, data):
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
    raise _FileProblem(f"缺少必填列：{'、'.join(missing)}（第一行应为表头：{'、'.join(COLUMNS)}）")


# --------------------------------------------------------------------------
# Checking rows
# --------------------------------------------------------------------------

def _choice(value, codes, by_label):
    if value in by_label:
        return by_label[value]
    if value.lower() in codes:
        return value.lower()
    return None


def _existing_users(usernames):
    found = {}
    lowered = sorted({u.lower() for u in usernames})
    for start in range(0, len(lowered), 500):
        chunk = lowered[start:start + 500]
        for user in db.session.scalars(select(User).where(func.lower(User.username).in_(chunk))):
            found[user.username.lower()] = user
    return found


class _OrgResolver:
    """find_by_label once per distinct label: a roster names the same branch hundreds of times."""

    def __init__(self):
        self._cache = {}

    def __call__(self, label):
        if label not in self._cache:
            org, reason = find_by_label(label)
            self._cache[label] = (org, reason, full_name(org) if org else "")
        return self._cache[label]


def _check_row(number, cell, errors):
    """Check one row's own cells; returns (cleaned values, ok).

    Every problem in the row is reported at once, so one round of corrections is enough.
    An invalid value comes back as None.
    """
    before = len(errors)

    def problem(column, reason):
        errors.append(RowError(number, column, reason))

    name = cell(NAME)
    if not name:
        problem(NAME, "不能为空")
    elif len(name) > 64:
        problem(NAME, "过长（最多 64 个字符）")

    username = unicodedata.normalize("NFKC", cell(USERNAME))
    if not username:
        problem(USERNAME, "不能为空")
    elif not services.USERNAME_RE.match(username):
        problem(USERNAME, "格式不正确（只能使用 2–64 位字母、数字或 _ . @ -）")
        username = ""

    phone = re.sub(r"\s", "", unicodedata.normalize("NFKC", cell(PHONE))) or None
    if phone and not services.PHONE_RE.match(phone):
        problem(PHONE, "格式不正确")

    category_text = cell(CATEGORY)
    category = _choice(category_text, CATEGORIES, CATEGORY_BY_LABEL)
    if not category_text:
        problem(CATEGORY, "不能为空")
    elif category is None:
        problem(CATEGORY, f"“{category_text}”无效，可选：{CATEGORY_HINT}")

    role_text = cell(ROLE)
    role = _choice(role_text, ROLES, ROLE_BY_LABEL) if role_text else None
    if role_text and role is None:
        problem(ROLE, f"“{role_text}”无效，可选：{ROLE_HINT}")

    values = dict(name=name, username=username, phone=phone, category=category, role=role,
                  org_label=cell(ORG))
    return values, len(errors) == before


def _check_org(number, values, existing, resolve, errors):
    """(org or None, its full path, ok). Only admins may belong to no unit."""
    effective_role = values["role"] or (existing.role if existing else LEARNER)
    if not values["org_label"]:
        if effective_role == ADMIN:
            return None, "", True
        errors.append(RowError(number, ORG, "不能为空"))
        return None, "", False
    org, reason, org_label = resolve(values["org_label"])
    if reason:
        errors.append(RowError(number, ORG, reason))
        return None, "", False
    return org, org_label, True


def _plan(values, existing):
    """The action a valid row causes, and which fields it changes."""
    if existing is None:
        return CREATE, []
    wanted = {"name": values["name"], "category": values["category"],
              "org_id": values["org_id"]}
    if values["phone"] is not None:
        wanted["phone"] = values["phone"]
    if values["role"] is not None:
        wanted["role"] = values["role"]
    changes = sorted(k for k, v in wanted.items() if getattr(existing, k) != v)
    return (UPDATE if changes else UNCHANGED), changes


def display_name(filename):
    """The bare file name, short enough for the preview and the audit log."""
    return re.split(r"[\\/]", filename or "")[-1][-100:]


def parse_roster(filename, data):
    """Read and check a roster file. Never raises for bad input: problems go in `errors`."""
    preview = RosterPreview(filename=display_name(filename))
    limit = current_app.config["MAX_IMPORT_BYTES"]
    if not data:
        preview.errors.append(RowError(None, None, "文件是空的"))
        return preview
    if len(data) > limit:
        preview.errors.append(RowError(
            None, None, f"文件太大（上限 {limit / 1024 / 1024:.0f} MB），请拆分后分批导入"))
        return preview
    try:
        columns, rows = _table(_detect_kind(filename, data), data)
        cells = _collect_rows(columns, rows)
    except _FileProblem as exc:
        preview.errors.append(RowError(None, None, str(exc)))
        return preview
    _check_rows(cells, preview)
    return preview


def _collect_rows(columns, rows):
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
            raise _FileProblem(f"数据超过 {MAX_ROWS} 行，请拆分后分批导入")
        collected.append((number, {column: values[index] if index < len(values) else ""
                                   for column, index in columns.items()}))
    if not collected:
        raise _FileProblem("表头下面没有数据")
    return collected


def _check_rows(cells, preview):
    checked, first_seen = [], {}
    for number, row_cells in cells:
        values, ok = _check_row(number, lambda c, rc=row_cells: rc.get(c, ""), preview.errors)
        key = values["username"].lower()
        if key and key in first_seen:
            preview.errors.append(RowError(number, USERNAME, f"与第 {first_seen[key]} 行重复"))
            ok = False
        elif key:
            first_seen[key] = number
        checked.append((number, values, ok))

    existing_by_name = _existing_users(key for key in first_seen)
    resolve = _OrgResolver()
    for number, values, ok in checked:
        existing = existing_by_name.get(values["username"].lower())
        org, org_label, org_ok = _check_org(number, values, existing, resolve, preview.errors)
        if not (ok and org_ok):
            continue
        values["org_id"] = org.id if org else None
        action, changes = _plan(values, existing)
        preview.rows.append(RosterRow(
            row=number, username=existing.username if existing else values["username"],
            name=values["name"], phone=values["phone"], org_id=values["org_id"],
            org_label=org_label, category=values["category"], role=values["role"],
            action=action, changes=changes))
    preview.errors.sort(key=lambda e: (e.row or 0, COLUMNS.index(e.column)
                                       if e.column in COLUMNS else -1))


# --------------------------------------------------------------------------
# Committing
# --------------------------------------------------------------------------

def commit_roster(preview, actor=None, default_password=None):
    """Create or update every row of an error-free preview, in the caller's transaction.

    Raises RosterError (and writes nothing the caller then commits) if the preview
    has errors or a row turns out invalid; the caller rolls back.
    """
    if not preview.ok:
        raise RosterError("名册中有错误，没有导入任何数据。请改正后重新上传。")
    summary = ImportSummary()
    password_hash = None
    if any(row.action == CREATE for row in preview.rows):
        default_password = default_password or current_app.config["ROSTER_DEFAULT_PASSWORD"]
        try:
            services.check_password_strength(default_password)
        except services.AccountError as exc:
            raise RosterError(f"初始密码不符合要求：{exc}") from exc
        # The KDF is deliberately slow: hash once and share it across new accounts.
        password_hash = services.hash_password(default_password)

    # Strong references: the session's identity map is weak, and re-loading a unit
    # or user per row made a 5000-row import take minutes.
    orgs = {org.id: org for org in db.session.scalars(select(Organisation).where(
        Organisation.id.in_({row.org_id for row in preview.rows if row.org_id})))}
    users = _existing_users(row.username for row in preview.rows)
    # Rows were checked for duplicates and create_user flushes each new account, so
    # flushing before every lookup would only repeat work on a growing session.
    with db.session.no_autoflush:
        for row in preview.rows:
            _commit_row(row, users.get(row.username.lower()), orgs.get(row.org_id),
                        password_hash, summary)
    audit("user.import", None,
          f"导入名册 {preview.filename}：新建 {summary.created} 人，更新 {summary.updated} 人，"
          f"无变化 {summary.unchanged} 人", actor=actor, filename=preview.filename,
          created=summary.created, updated=summary.updated, unchanged=summary.unchanged)
    return summary


def _commit_row(row, user, org, password_hash, summary):
    try:
        if user is None:
            services.create_user(row.username, row.name, None, role=row.role or LEARNER,
                                 category=row.category, org=org, phone=row.phone,
                                 must_change_password=True, password_hash=password_hash)
            summary.created += 1
            return
        values = {"name": row.name, "category": row.category, "org_id": row.org_id,
                  "phone": row.phone, "role": row.role}
        if _plan(values, user)[0] == UNCHANGED:
            summary.unchanged += 1
            return
        services.update_user(user, name=row.name, role=row.role or user.role,
                             category=row.category, org=org,
                             phone=row.phone if row.phone is not None else user.phone)
        summary.updated += 1
    except services.AccountError as exc:
        raise RosterError(f"第 {row.row} 行：{exc}") from exc


# --------------------------------------------------------------------------
# The template people fill in
# --------------------------------------------------------------------------

def template_workbook(example_org_label=None):
    """An .xlsx with the header row, one example row and a sheet of instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名册"
    sheet.append(COLUMNS)
    example = list(EXAMPLE_ROW)
    example[COLUMNS.index(ORG)] = example_org_label or "党委/第一党总支/第一党支部"
    sheet.append(example)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEF", (12, 16, 16, 36, 14, 12)):
        sheet.column_dimensions[letter].width = width
    # 账号 and 手机号 as text: keeps leading zeros, and Excel won't show 1.38E+10.
    for letter in "BC":
        sheet.column_dimensions[letter].number_format = "@"

    notes = workbook.create_sheet("填写说明")
    for line in (
        ["每行一人，第一行是表头，请不要修改表头。导入前请删除示例行。"],
        ["姓名、账号、所属组织、政治面貌必填；手机号、角色可不填（角色默认为学员）。"],
        ["账号：2–64 位字母、数字或 _ . @ -，不区分大小写；已存在的账号会被更新而不是重复创建。"],
        ["所属组织：填组织名称；名称重复时请写完整路径，如 党委/第一党总支/第一党支部。"],
        ["政治面貌可填：" + CATEGORY_HINT],
        ["角色可填：" + ROLE_HINT],
        ["新账号使用统一的初始密码，首次登录时必须修改。"],
    ):
        notes.append(line)
    notes.column_dimensions["A"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------
# Holding an upload between preview and confirm
# --------------------------------------------------------------------------

_STAGED = StagedUploads(UPLOAD_DIR)


def save_upload(filename, data, owner_id):
    """Keep the bytes for the confirm step; returns the token the confirm form carries."""
    return _STAGED.save(filename, data, owner_id=owner_id)


def load_upload(token, owner_id):
    """(filename, data) of an upload made by `owner_id`, or None if gone or not theirs."""
    return _STAGED.load(token, owner_id=owner_id)


def discard_upload(token):
    _STAGED.discard(token)
