"""Roster preview: every row of a roster file checked, with the action it would cause.

``parse_roster(filename, data)`` reads an .xlsx or .csv file (roster.reading),
checks every row and returns a ``RosterPreview``: rows with the action each would
cause, and errors in Chinese, by row and column. It never raises on bad input.
Users are matched by 账号 (case-insensitive), so importing the same roster twice
updates instead of duplicating.
"""
import re
import unicodedata
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from mooc.accounts import services
from mooc.accounts.models import (ADMIN, CATEGORIES, CATEGORY_BY_LABEL, LEARNER, ROLE_BY_LABEL,
                                  ROLES, User)
from mooc.accounts.roster.reading import (CATEGORY, COLUMNS, NAME, ORG, PHONE, ROLE, USERNAME,
                                          FileProblem, collect_rows, detect_kind, table)
from mooc.extensions import db
from mooc.org.services import find_by_label, full_name

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


def _choice(value, codes, by_label):
    if value in by_label:
        return by_label[value]
    if value.lower() in codes:
        return value.lower()
    return None


def existing_users(usernames):
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


def plan(values, existing):
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


def parse_roster(filename, data, scope=None):
    """Read and check a roster file. Never raises for bad input: problems go in `errors`.

    `scope` limits who may import what (a branch lead's subtree): an object whose
    ``check(org, existing_user, role)`` returns None or (column, reason), making that
    row an error. None: no limit (admins, the CLI without --by).
    """
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
        columns, rows = table(detect_kind(filename, data), data)
        cells = collect_rows(columns, rows)
    except FileProblem as exc:
        preview.errors.append(RowError(None, None, str(exc)))
        return preview
    _check_rows(cells, preview, scope)
    return preview




def _check_rows(cells, preview, scope=None):
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

    existing_by_name = existing_users(key for key in first_seen)
    resolve = _OrgResolver()
    for number, values, ok in checked:
        existing = existing_by_name.get(values["username"].lower())
        org, org_label, org_ok = _check_org(number, values, existing, resolve, preview.errors)
        if not (ok and org_ok):
            continue
        refused = scope.check(org, existing, values["role"]) if scope is not None else None
        if refused:
            preview.errors.append(RowError(number, *refused))
            continue
        values["org_id"] = org.id if org else None
        action, changes = plan(values, existing)
        preview.rows.append(RosterRow(
            row=number, username=existing.username if existing else values["username"],
            name=values["name"], phone=values["phone"], org_id=values["org_id"],
            org_label=org_label, category=values["category"], role=values["role"],
            action=action, changes=changes))
    preview.errors.sort(key=lambda e: (e.row or 0, COLUMNS.index(e.column)
                                       if e.column in COLUMNS else -1))

