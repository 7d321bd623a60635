"""`flask users …` for leads: the same services, scope errors exit non-zero in Chinese."""
import pytest

from mooc.accounts.models import User
from mooc.extensions import db as _db
from mooc.members import changes
from tests.conftest import login
from tests.members import world as world_module


@pytest.fixture
def world(app):
    return world_module.build()


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["users", *args])


def test_list_is_scoped(run, world):
    result = run("list", "--as", "lead1")
    assert result.exit_code == 0
    assert "member1" in result.output and "outsider" not in result.output
    assert "outsider" in run("list", "--as", "admin1").output


def test_reset_password(run, world, app):
    result = run("reset-password", "member1", "--by", "lead1")
    assert result.exit_code == 0, result.output
    code = result.output.split("临时密码：")[1].split("（")[0]
    assert login(app.test_client(), "member1", code).status_code == 302
    assert _db.session.get(User, world.member.id).must_change_password


@pytest.mark.parametrize("args", [
    ("reset-password", "outsider", "--by", "lead1"),
    ("transfer", "outsider", "第一党支部", "--by", "lead1"),
    ("set-category", "outsider", "预备党员", "--date", "2026-07-01", "--by", "lead1"),
    ("reset-password", "admin1", "--by", "lead1"),
    ("reset-password", "member1", "--by", "member1"),     # not a lead at all
    ("list", "--as", "nobody"),
])
def test_out_of_scope_exits_non_zero_in_chinese(run, world, args):
    result = run(*args)
    assert result.exit_code != 0
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.output), result.output


def test_transfer_accept_and_set_category(run, world):
    result = run("transfer", "member1", "第二党支部", "--by", "lead1")
    assert result.exit_code == 0, result.output
    transfer_id = changes.member_transfers(world.member)[0].id
    result = run("accept-transfer", str(transfer_id), "--by", "lead1")
    assert result.exit_code != 0 and "只有转入组织" in result.output
    result = run("accept-transfer", str(transfer_id), "--by", "lead2")
    assert result.exit_code == 0, result.output
    assert _db.session.get(User, world.member.id).org_id == world.other.id
    result = run("set-category", "member1", "预备党员", "--date", "2026-07-01", "--by", "lead2")
    assert result.exit_code == 0, result.output
    member = _db.session.get(User, world.member.id)
    assert member.category == "probationary" and str(member.joined_party_on) == "2026-07-01"
    result = run("set-category", "member1", "正式党员", "--date", "7/1", "--by", "lead2")
    assert result.exit_code != 0 and "格式不正确" in result.output
