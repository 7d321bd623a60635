"""Importing and exporting question files: web preview/confirm, CLI, round trips."""
import csv
import io
import re
import textwrap
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from mooc.core.models import AuditEvent
from mooc.extensions import db as _db
from mooc.quizzes import bank, importing
from mooc.quizzes.formats.gift import parse_gift
from mooc.quizzes.formats.sheet import parse_csv, parse_xlsx
from mooc.quizzes.models import Question
from tests.catalog_factories import make_course
from tests.conftest import csrf_token

HEADER = ["题型", "题目", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "难度", "标签"]


def row(kind, stem, options=(), answer="", explanation="", difficulty="", tags=""):
    return [kind, stem, *(list(options) + [""] * (4 - len(options))), answer, explanation,
            difficulty, tags]


GOOD = [row("单选", "党的根本宗旨是？", ["为人民服务", "发展经济"], "A", "见党章", "易", "党章"),
        row("多选", "党的纪律有？", ["政治纪律", "组织纪律", "娱乐纪律"], "AB", tags="纪律"),
        row("判断", "党员须年满十八岁。", answer="对"),
        row("填空", "最高理想是实现____。", answer="共产主义|共产主义社会")]


def xlsx_bytes(rows):
    workbook = Workbook()
    workbook.active.append(HEADER)
    for r in rows:
        workbook.active.append(r)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="utf-8-sig"):
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([HEADER] + rows)
    return buffer.getvalue().encode(encoding)


GIFT_WITH_UNSUPPORTED = textwrap.dedent("""\
    // [tag:党史]
    中国共产党成立于哪一年？ {=1921 ~1919 ~1949}

    Match these. {
        =a -> 1
        =b -> 2
    }

    党的一大在上海召开。 {T}
    """)


@pytest.fixture
def owner(make_user):
    return make_user(username="jiangshi", role="instructor")


@pytest.fixture
def course(app, owner):
    return make_course(owner=owner)


def preview(client, course, filename, data):
    token = csrf_token(client, f"/author/courses/{course.id}/questions/import")
    return client.post(f"/author/courses/{course.id}/questions/import/preview",
                       data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def confirm(client, course, html, **extra):
    token = re.search(r'name="token"[^>]*value="([^"]*)"', html) or \
        re.search(r'value="([^"]*)"[^>]*name="token"', html)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    return client.post(f"/author/courses/{course.id}/questions/import/confirm",
                       data={"csrf_token": csrf, "token": token.group(1), **extra})


def count(course):
    return _db.session.scalar(select(func.count(Question.id)).where(
        Question.course_id == course.id))


@pytest.mark.parametrize("filename, maker", [("题库.xlsx", xlsx_bytes), ("题库.csv", csv_bytes)])
def test_good_spreadsheet_preview_then_commit_and_reimport(client, login_as, owner, course,
                                                          filename, maker):
    login_as(owner)
    response = preview(client, course, filename, maker(GOOD))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "题目 4 道" in html and "新增 4" in html and "党的根本宗旨是？" in html
    assert count(course) == 0  # previewing writes nothing
    response = confirm(client, course, html)
    assert response.status_code == 302
    assert count(course) == 4
    event = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "quiz.import"))
    assert event.details["created"] == 4
    # The same file again: nothing new.
    html = preview(client, course, filename, maker(GOOD)).get_data(as_text=True)
    assert "无变化 4" in html
    confirm(client, course, html)
    assert count(course) == 4


def test_bad_rows_are_listed_with_row_column_and_reason_and_nothing_is_imported(
        client, login_as, owner, course):
    login_as(owner)
    rows = GOOD + [row("单选", "坏题一", ["甲", "乙"], "E"),
                   row("问答", "坏题二", answer="随便"),
                   row("判断", "", answer="对")]
    for filename, data in (("bad.xlsx", xlsx_bytes(rows)), ("bad.csv", csv_bytes(rows))):
        html = preview(client, course, filename, data).get_data(as_text=True)
        assert "错误 3 处" in html
        assert re.search(r"第 6 行</td>\s*<td[^>]*>答案</td>\s*<td[^>]*>单选题的答案“E”不在选项中", html)
        assert re.search(r"第 7 行</td>\s*<td[^>]*>题型</td>\s*<td[^>]*>无法识别的题型“问答”", html)
        assert re.search(r"第 8 行</td>\s*<td[^>]*>题目</td>\s*<td[^>]*>题目不能为空", html)
        assert re.search(r'<button type="submit" disabled', html)
        assert 'value=""' in html  # no upload token: nothing can be confirmed
    # Even a hand-made confirm with a stale token commits nothing (all or nothing).
    result = importing.parse_upload("bad.csv", csv_bytes(rows))[1]
    with pytest.raises(importing.ImportRefused, match="3 处错误"):
        importing.commit_import(course, result, owner)
    assert count(course) == 0


def test_gift_lines_and_unsupported_types_need_confirmation(client, login_as, owner, course):
    login_as(owner)
    html = preview(client, course, "bank.gift", GIFT_WITH_UNSUPPORTED.encode()).get_data(
        as_text=True)
    assert "题目 2 道" in html and "不支持 1" in html
    assert re.search(r"第 4 行</td>\s*<td[^>]*>—</td>\s*<td[^>]*>不支持的题型“匹配题”", html)
    assert "我已知晓：不支持的题型将被跳过" in html
    refused = confirm(client, course, html)
    assert refused.status_code == 200 and "请确认跳过这些题目" in refused.get_data(as_text=True)
    assert count(course) == 0
    done = confirm(client, course, refused.get_data(as_text=True), accept_unsupported="y")
    assert done.status_code == 302 and count(course) == 2
    tags = {q.stem: q.tags for q in bank.active_questions(course)}
    assert tags["中国共产党成立于哪一年？"] == ["党史"]


def test_gift_syntax_error_has_its_line(client, login_as, owner, course):
    login_as(owner)
    data = "好题？ {T}\n\n坏题\n继续 {~a =b\n~c\n\n下一题？ {F}\n".encode()
    html = preview(client, course, "x.txt", data).get_data(as_text=True)
    assert re.search(r"第 4 行</td>\s*<td[^>]*>—</td>\s*<td[^>]*>[^<]*没有闭合", html)


def test_whole_file_problems_are_reported_not_raised(client, login_as, owner, course):
    login_as(owner)
    for filename, data in (("old.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100),
                           ("broken.xlsx", b"PK\x03\x04garbage"), ("empty.csv", b"")):
        response = preview(client, course, filename, data)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, filename
        assert "整个文件" in html or "请选择" in html, filename


def test_upload_token_is_bound_to_user_and_course(app, client, login_as, owner, course):
    login_as(owner)
    html = preview(client, course, "a.csv", csv_bytes(GOOD)).get_data(as_text=True)
    token = re.search(r'name="token"[^>]*value="([^"]+)"', html).group(1)
    stored = list((Path(app.instance_path) / importing.UPLOAD_DIR).iterdir())
    assert {p.name for p in stored} == {f"{token}.upload", f"{token}.json"}  # not "a.csv"
    other_course = make_course(owner=owner)
    assert importing.load_upload(token, owner.id, other_course.id) is None
    assert importing.load_upload(token, owner.id + 1, course.id) is None
    assert importing.load_upload("../../etc/passwd", owner.id, course.id) is None


def test_export_round_trip_in_every_format(client, login_as, owner, course):
    login_as(owner)
    confirm(client, course, preview(client, course, "g.csv", csv_bytes(GOOD)).get_data(
        as_text=True))
    original = [bank.to_data(q) for q in bank.active_questions(course)]
    parsers = {"gift": parse_gift, "xlsx": parse_xlsx, "csv": parse_csv}
    for fmt, parse in parsers.items():
        response = client.get(f"/author/courses/{course.id}/questions/export/{fmt}")
        assert response.status_code == 200
        assert "attachment" in response.headers["Content-Disposition"]
        assert parse(response.data).questions == original, fmt
        # Re-importing an export duplicates nothing.
        html = preview(client, course, f"back.{fmt}", response.data).get_data(as_text=True)
        assert "无变化 4" in html, fmt
    assert client.get(f"/author/courses/{course.id}/questions/export/pdf").status_code == 404
    template = client.get("/author/questions/template.xlsx")
    assert template.status_code == 200 and parse_xlsx(template.data).ok


def test_cli_import_and_export(app, owner, course, tmp_path):
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(GOOD + [row("单选", "坏题", ["甲", "乙"], "E")]))
    result = runner.invoke(args=["quiz", "import", course.slug, str(bad)])
    assert result.exit_code != 0
    assert "第 6 行，答案：单选题的答案“E”不在选项中" in result.output
    assert count(course) == 0

    gift = tmp_path / "bank.gift"
    gift.write_text(GIFT_WITH_UNSUPPORTED, encoding="utf-8")
    result = runner.invoke(args=["quiz", "import", course.slug, str(gift)])
    assert result.exit_code != 0 and "--yes" in result.output and count(course) == 0
    result = runner.invoke(args=["quiz", "import", course.slug, str(gift), "--yes"])
    assert result.exit_code == 0, result.output
    assert "新增 2 道" in result.output and count(course) == 2
    result = runner.invoke(args=["quiz", "import", course.slug, str(gift), "--yes"])
    assert "无变化 2 道" in result.output and count(course) == 2

    for name, parse in (("out.gift", parse_gift), ("out.xlsx", parse_xlsx),
                        ("out.csv", parse_csv)):
        target = tmp_path / name
        result = runner.invoke(args=["quiz", "export", course.slug, str(target)])
        assert result.exit_code == 0, result.output
        assert len(parse(target.read_bytes()).questions) == 2
    assert runner.invoke(args=["quiz", "export", course.slug, str(tmp_path / "x.pdf")]) \
        .exit_code != 0
    assert runner.invoke(args=["quiz", "import", "no-such-course", str(gift)]).exit_code != 0
