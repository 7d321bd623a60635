"""`flask users import FILE`: the same roster rules as the web import."""
import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from mooc.accounts import services
from mooc.accounts.models import User
from mooc.extensions import db as _db
from tests.accounts.test_roster import GOOD_ROWS, csv_bytes, xlsx_bytes


@pytest.fixture
def office(make_org):
    committee = make_org("党委", "committee")
    make_org("第一党支部", "branch", make_org("第一党总支", "general_branch", committee))
    return make_org("机关党支部", "branch", committee)


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["users", *args])


def user_count():
    return _db.session.scalar(select(func.count(User.id)))


def test_import_good_file(run, tmp_path, office, app):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(xlsx_bytes(GOOD_ROWS))
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    assert "新建 3 人，更新 0 人，无变化 0 人" in result.output
    user = services.find_by_username("wangjg")
    assert user.org_id == office.id and user.must_change_password
    assert check_password_hash(user.password_hash, app.config["ROSTER_DEFAULT_PASSWORD"])

    result = run("import", str(path))  # again: nothing duplicated
    assert "新建 0 人，更新 0 人，无变化 3 人" in result.output
    assert user_count() == 3


def test_import_with_password_option(run, tmp_path, office):
    path = tmp_path / "名册.csv"
    path.write_bytes(csv_bytes(GOOD_ROWS, encoding="gbk"))
    result = run("import", str(path), "--password", "Branch2024x")
    assert result.exit_code == 0, result.output
    assert check_password_hash(services.find_by_username("lixy").password_hash, "Branch2024x")


def test_bad_file_prints_row_errors_and_imports_nothing(run, tmp_path, office):
    rows = [GOOD_ROWS[0], ["赵五", "zhaowu", "电话123", "机关党支部", "群众", ""],
            ["王建国", "WANGJG", "", "机关党支部", "正式党员", ""]]
    path = tmp_path / "名册.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    result = run("import", str(path))
    assert result.exit_code != 0
    assert "第 3 行 · 手机号：格式不正确" in result.output
    assert "第 4 行 · 账号：与第 2 行重复" in result.output
    assert "没有导入任何数据" in result.output
    assert user_count() == 0


def test_not_a_spreadsheet(run, tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    result = run("import", str(path))
    assert result.exit_code != 0
    assert "只支持 .xlsx 和 .csv" in result.output


def test_weak_password_is_refused(run, tmp_path, office):
    path = tmp_path / "名册.csv"
    path.write_bytes(csv_bytes(GOOD_ROWS))
    result = run("import", str(path), "--password", "123")
    assert result.exit_code != 0 and "初始密码不符合要求" in result.output
    assert user_count() == 0


def test_dry_run_writes_nothing(run, tmp_path, office):
    path = tmp_path / "名册.csv"
    path.write_bytes(csv_bytes(GOOD_ROWS))
    result = run("import", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "将新建 3 人" in result.output
    assert user_count() == 0


def test_missing_file_is_a_usage_error(run, tmp_path):
    result = run("import", str(tmp_path / "nope.xlsx"))
    assert result.exit_code == 2
