"""Roster import service: parsing, validation and all-or-nothing commit."""
import csv
import io
import os
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from mooc.accounts import roster, services
from mooc.accounts.roster import reading as roster_reading
from mooc.accounts.models import User
from mooc.core.models import AuditEvent
from mooc.extensions import db as _db

HEADER = ["姓名", "账号", "手机号", "所属组织", "政治面貌", "角色"]


def xlsx_bytes(rows, header=HEADER, title_rows=()):
    workbook = Workbook()
    sheet = workbook.active
    for row in [*title_rows, header, *rows]:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="utf-8-sig", header=HEADER):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return buffer.getvalue().encode(encoding)


def user_count():
    return _db.session.scalar(select(func.count(User.id)))


@pytest.fixture
def tree(make_org):
    """党委 → 第一党总支 → 第一党支部, plus a second 第一党支部 elsewhere to make the name ambiguous."""
    committee = make_org("党委", "committee")
    general = make_org("第一党总支", "general_branch", committee)
    branch = make_org("第一党支部", "branch", general)
    other_general = make_org("第二党总支", "general_branch", committee)
    make_org("第一党支部", "branch", other_general)
    office = make_org("机关党支部", "branch", committee)
    return {"branch": branch, "office": office, "general": general}


GOOD_ROWS = [
    ["王建国", "wangjg", "13800138000", "机关党支部", "正式党员", "学员"],
    ["李秀英", "lixy", "", "党委/第一党总支/第一党支部", "预备党员", ""],
    ["张志强", "zhangzq", "139-0000-0000", "机关党支部", "入党积极分子", "讲师"],
]


def test_good_rows_create_users_with_the_default_password(app, tree):
    preview = roster.parse_roster("名册.xlsx", xlsx_bytes(GOOD_ROWS))
    assert preview.errors == []
    assert [(r.row, r.username, r.action) for r in preview.rows] == [
        (2, "wangjg", "create"), (3, "lixy", "create"), (4, "zhangzq", "create")]

    summary = roster.commit_roster(preview, actor=None)
    _db.session.commit()

    assert (summary.created, summary.updated, summary.unchanged) == (3, 0, 0)
    lixy = services.find_by_username("lixy")
    assert lixy.org_id == tree["branch"].id
    assert (lixy.role, lixy.category, lixy.phone) == ("learner", "probationary", None)
    assert services.find_by_username("zhangzq").role == "instructor"
    assert lixy.must_change_password
    assert check_password_hash(lixy.password_hash, app.config["ROSTER_DEFAULT_PASSWORD"])
    event = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.import"))
    assert event.details == {"filename": "名册.xlsx", "created": 3, "updated": 0, "unchanged": 0}


def test_password_is_hashed_once_per_import(app, tree, monkeypatch):
    calls = []
    real_hash = services.hash_password
    monkeypatch.setattr(services, "hash_password", lambda p: calls.append(p) or real_hash(p))
    preview = roster.parse_roster("r.csv", csv_bytes(GOOD_ROWS))
    roster.commit_roster(preview, default_password="Welcome2024")
    _db.session.commit()
    assert calls == ["Welcome2024"]
    assert check_password_hash(services.find_by_username("wangjg").password_hash, "Welcome2024")


def test_weak_default_password_is_refused(app, tree):
    preview = roster.parse_roster("r.csv", csv_bytes(GOOD_ROWS))
    with pytest.raises(roster.RosterError, match="初始密码"):
        roster.commit_roster(preview, default_password="123")


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_imported(app, tree):
    rows = [
        ["王建国", "wangjg", "13800138000", "机关党支部", "正式党员", "学员"],   # row 2: fine
        ["", "nobody", "", "机关党支部", "群众", ""],                           # 3: no name
        ["李四", "li si", "", "机关党支部", "群众", ""],                        # 4: bad username
        ["赵五", "zhaowu", "电话123", "机关党支部", "群众", ""],                # 5: bad phone
        ["钱六", "qianliu", "", "不存在的支部", "群众", ""],                    # 6: unknown org
        ["孙七", "sunqi", "", "第一党支部", "群众", ""],                        # 7: ambiguous org
        ["周八", "zhouba", "", "机关党支部", "党外人士", "学员"],               # 8: category
        ["吴九", "wujiu", "", "机关党支部", "群众", "校长"],                    # 9: role
        ["郑十", "", "", "", "", ""],                                          # 10: several
    ]
    preview = roster.parse_roster("r.xlsx", xlsx_bytes(rows))

    assert [str(e) for e in preview.errors] == [
        "第 3 行 · 姓名：不能为空",
        "第 4 行 · 账号：格式不正确（只能使用 2–64 位字母、数字或 _ . @ -）",
        "第 5 行 · 手机号：格式不正确",
        "第 6 行 · 所属组织：找不到组织“不存在的支部”",
        "第 7 行 · 所属组织：组织名称“第一党支部”不唯一，请写完整路径（如 党委/党总支/党支部）",
        "第 8 行 · 政治面貌：“党外人士”无效，可选：正式党员、预备党员、发展对象、入党积极分子、群众",
        "第 9 行 · 角色：“校长”无效，可选：学员、讲师、支部书记、组织委员、管理员",
        "第 10 行 · 账号：不能为空",
        "第 10 行 · 所属组织：不能为空",
        "第 10 行 · 政治面貌：不能为空",
    ]
    assert [(e.row, e.column) for e in preview.errors][:2] == [(3, "姓名"), (4, "账号")]
    before = user_count()
    with pytest.raises(roster.RosterError):
        roster.commit_roster(preview)
    _db.session.rollback()
    assert user_count() == before
    assert services.find_by_username("wangjg") is None


def test_every_problem_in_a_row_is_reported_at_once(app, tree):
    rows = [["赵五", "zhaowu", "电话123", "不存在的支部", "群众", "校长"]]
    preview = roster.parse_roster("r.csv", csv_bytes(rows))
    assert [(e.row, e.column) for e in preview.errors] == [
        (2, "手机号"), (2, "所属组织"), (2, "角色")]
    assert preview.rows == []


def test_duplicate_username_is_reported_on_its_second_occurrence(app, tree):
    rows = [
        ["王建国", "wangjg", "", "机关党支部", "正式党员", ""],
        ["李秀英", "lixy", "", "机关党支部", "正式党员", ""],
        ["王建国", "WangJG", "", "机关党支部", "正式党员", ""],
    ]
    preview = roster.parse_roster("r.xlsx", xlsx_bytes(rows))
    assert [str(e) for e in preview.errors] == ["第 4 行 · 账号：与第 2 行重复"]


def test_reimport_updates_existing_users_and_never_duplicates(app, tree, make_user):
    roster.commit_roster(roster.parse_roster("r.xlsx", xlsx_bytes(GOOD_ROWS)))
    _db.session.commit()
    first_hash = services.find_by_username("wangjg").password_hash
    count = user_count()

    changed = [list(r) for r in GOOD_ROWS]
    changed[0][0] = "王建军"                       # name changes
    changed[1][1] = "LIXY"                         # same account, other case
    changed[2][3] = "党委/第一党总支/第一党支部"     # moves branch
    preview = roster.parse_roster("r.xlsx", xlsx_bytes(changed))
    assert [(r.action, r.changes) for r in preview.rows] == [
        ("update", ["name"]), ("unchanged", []), ("update", ["org_id"])]
    summary = roster.commit_roster(preview)
    _db.session.commit()

    assert (summary.created, summary.updated, summary.unchanged) == (0, 2, 1)
    assert user_count() == count
    wang = services.find_by_username("wangjg")
    assert wang.name == "王建军"
    assert wang.password_hash == first_hash  # re-import never resets a password
    assert services.find_by_username("zhangzq").org_id == tree["branch"].id


def test_blank_role_and_phone_keep_what_an_existing_user_has(app, tree, make_user):
    make_user("teacher1", role="instructor", org=tree["office"], name="王讲师",
              phone="010-12345678")
    rows = [["王讲师", "teacher1", "", "机关党支部", "正式党员", ""]]
    preview = roster.parse_roster("r.csv", csv_bytes(rows))
    assert [r.action for r in preview.rows] == ["unchanged"]
    roster.commit_roster(preview)
    _db.session.commit()
    teacher = services.find_by_username("teacher1")
    assert (teacher.role, teacher.phone) == ("instructor", "010-12345678")


def test_admin_rows_may_leave_the_org_blank(app, tree):
    rows = [["新管理员", "admin2", "", "", "正式党员", "管理员"]]
    preview = roster.parse_roster("r.csv", csv_bytes(rows))
    assert preview.errors == []
    roster.commit_roster(preview)
    _db.session.commit()
    assert services.find_by_username("admin2").role == "admin"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "gb18030"])
def test_csv_in_common_encodings(app, tree, encoding):
    preview = roster.parse_roster("名册.csv", csv_bytes(GOOD_ROWS, encoding=encoding))
    assert preview.errors == []
    assert [(r.name, r.org_label) for r in preview.rows][:2] == [
        ("王建国", "党委/机关党支部"), ("李秀英", "党委/第一党总支/第一党支部")]


def test_tab_separated_utf16_text_from_excel(app, tree):
    text = "\r\n".join("\t".join(row) for row in [HEADER, *GOOD_ROWS])
    preview = roster.parse_roster("名册.txt", text.encode("utf-16"))
    assert preview.errors == []
    assert len(preview.rows) == 3


def test_numbers_typed_into_excel_cells_are_read_as_text(app, tree):
    rows = [["王建国", 1001, 13800138000, "机关党支部", "正式党员", None],
            ["李秀英", "lixy", 13900139000.0, "机关党支部", "full_member", "instructor"]]
    preview = roster.parse_roster("r.xlsx", xlsx_bytes(rows))
    assert preview.errors == []
    assert [(r.username, r.phone, r.category, r.role) for r in preview.rows] == [
        ("1001", "13800138000", "full_member", None),
        ("lixy", "13900139000", "full_member", "instructor")]


def test_blank_rows_are_skipped_and_row_numbers_match_the_sheet(app, tree):
    rows = [GOOD_ROWS[0], [None] * 6, ["", " ", "", "", "", ""], GOOD_ROWS[1],
            ["赵五", "zhaowu", "bad!", "机关党支部", "群众", ""]]
    preview = roster.parse_roster("r.xlsx", xlsx_bytes(rows, title_rows=[["2024 年党员名册"]]))
    assert [r.row for r in preview.rows] == [3, 6]
    assert [str(e) for e in preview.errors] == ["第 7 行 · 手机号：格式不正确"]


def test_header_variants_are_recognised(app, tree):
    header = ["*姓名", "用户名", "手机号码（选填）", "所属党组织", "政治面貌", "备注"]
    preview = roster.parse_roster("r.xlsx", xlsx_bytes([GOOD_ROWS[0][:5] + ["随便"]], header))
    assert preview.errors == []
    assert preview.rows[0].role is None


def test_missing_required_columns_is_a_file_error(app, tree):
    preview = roster.parse_roster("r.csv", csv_bytes([["王建国", "wangjg"]], header=["姓名", "账号"]))
    assert [(e.row, e.column) for e in preview.errors] == [(None, None)]
    assert str(preview.errors[0]).startswith("缺少必填列：所属组织、政治面貌")
    assert preview.rows == []


def _docx_like_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize("filename, data, message", [
    ("照片.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "只支持 .xlsx 和 .csv"),
    ("名册.xlsx", b"this is not a spreadsheet at all", "不是有效的 Excel"),
    ("名册.xlsx", _docx_like_zip(), "不是有效的 Excel"),
    ("名册.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "另存为 .xlsx"),
    ("名册.csv", b"\x00\x01\x02binary\xff\xfe\x00garbage" * 20, "UTF-8 或 GBK"),
    ("名册.csv", b"", "文件是空的"),
    ("名册.csv", "姓名,账号,所属组织,政治面貌\n".encode(), "没有数据"),
])
def test_files_that_are_not_rosters_get_a_clear_file_error(app, filename, data, message):
    preview = roster.parse_roster(filename, data)
    assert len(preview.errors) == 1 and preview.errors[0].row is None
    assert message in str(preview.errors[0])
    with pytest.raises(roster.RosterError):
        roster.commit_roster(preview)


def test_truncated_xlsx_is_a_file_error(app, tree):
    data = xlsx_bytes(GOOD_ROWS)
    preview = roster.parse_roster("r.xlsx", data[: len(data) // 2])
    assert [e.row for e in preview.errors] == [None]


def _with_broken_sheet_xml(data):
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]  # valid zip, broken XML
            archive.writestr(info, content)
    return target.getvalue()


def test_broken_xml_inside_a_valid_xlsx_is_a_file_error(app, tree):
    preview = roster.parse_roster("r.xlsx", _with_broken_sheet_xml(xlsx_bytes(GOOD_ROWS)))
    assert [e.row for e in preview.errors] == [None]
    assert "损坏" in str(preview.errors[0])


def test_xlsx_that_inflates_too_far_is_refused(app, tree, monkeypatch):
    monkeypatch.setattr(roster_reading, "MAX_UNZIPPED_BYTES", 1000)
    preview = roster.parse_roster("r.xlsx", xlsx_bytes(GOOD_ROWS))
    assert [str(e) for e in preview.errors] == ["文件内容过大，请拆分后分批导入"]


def test_preview_keeps_only_the_bare_file_name(app, tree):
    preview = roster.parse_roster("C:\\Users\\书记\\名册.csv", csv_bytes(GOOD_ROWS))
    assert preview.filename == "名册.csv"


def test_size_and_row_limits(app, tree, monkeypatch):
    app.config["MAX_IMPORT_BYTES"] = 100
    preview = roster.parse_roster("r.csv", csv_bytes(GOOD_ROWS))
    assert "文件太大" in str(preview.errors[0])

    app.config["MAX_IMPORT_BYTES"] = 10 * 1024 * 1024
    monkeypatch.setattr(roster_reading, "MAX_ROWS", 2)
    preview = roster.parse_roster("r.csv", csv_bytes(GOOD_ROWS))
    assert [str(e) for e in preview.errors] == ["数据超过 2 行，请拆分后分批导入"]


def test_the_template_is_a_valid_roster(app, tree):
    label = "党委/第一党总支/第一党支部"
    data = roster.template_workbook(label)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER
    preview = roster.parse_roster("党员名册模板.xlsx", data)
    assert preview.errors == []
    assert [(r.username, r.org_id) for r in preview.rows] == [("zhangsan", tree["branch"].id)]


def test_uploads_are_kept_under_a_random_name_for_their_owner_only(app):
    token = roster.save_upload("../../etc/名册.xlsx", b"data", owner_id=7)
    folder = os.path.join(app.instance_path, "roster_uploads")
    assert sorted(os.listdir(folder)) == sorted([f"{token}.upload", f"{token}.json"])
    assert roster.load_upload(token, 7) == ("../../etc/名册.xlsx", b"data")
    assert roster.load_upload(token, 8) is None
    assert roster.load_upload("../" + token, 7) is None
    roster.discard_upload(token)
    assert roster.load_upload(token, 7) is None
    assert os.listdir(folder) == []
