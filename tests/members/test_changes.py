"""Category steps, transfers, scoped roster import and the last-admin guard."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from mooc.accounts import roster
from mooc.accounts import services as accounts
from mooc.accounts.models import User
from mooc.extensions import db as _db
from mooc.members import changes, services
from mooc.members.models import CategoryChange
from mooc.members.roster_scope import scope_for
from tests.accounts.test_roster import csv_bytes
from tests.conftest import csrf_token, login
from tests.members import world as world_module


@pytest.fixture
def world(app):
    return world_module.build()


def test_category_step_with_date_and_history(world):
    changes.change_category(world.lead, world.member, "probationary", date(2026, 7, 1))
    _db.session.commit()
    member = _db.session.get(User, world.member.id)
    assert member.category == "probationary" and member.joined_party_on == date(2026, 7, 1)
    changes.change_category(world.lead, member, "full_member", date(2027, 7, 1))
    _db.session.commit()
    assert member.full_member_on == date(2027, 7, 1)
    steps = [(c.old_category, c.new_category) for c in changes.category_history(member)]
    assert steps == [("probationary", "full_member"), ("candidate", "probationary")]
    with pytest.raises(services.MemberError, match="已是"):
        changes.change_category(world.lead, member, "full_member")


def test_required_courses_follow_the_category(world):
    from mooc.assignments import audience
    from mooc.assignments import services as assignments
    from tests.catalog_factories import make_course
    today = audience.today()
    required = assignments.create_assignment(
        None, course=make_course("预备党员必修课"), org=world.branch,
        categories=["probationary"], starts_on=today, due_on=today + timedelta(days=30))
    _db.session.commit()
    assert not audience.applies_to(required, world.member)
    changes.change_category(world.lead, world.member, "probationary", today)
    _db.session.commit()
    assert audience.applies_to(required, _db.session.get(User, world.member.id))


def test_category_page_records_a_step(app, world):
    client = app.test_client()
    login(client, world.lead.username)
    token = csrf_token(client, f"/members/{world.member.id}")
    client.post(f"/members/{world.member.id}/category", data={
        "csrf_token": token, "cat-category": "probationary", "cat-effective_on": "2026-07-01"})
    assert _db.session.scalar(select(func.count(CategoryChange.id))) == 1
    page = client.get(f"/members/{world.member.id}").get_data(as_text=True)
    assert "2026-07-01" in page


def test_transfer_accepted_by_the_receiving_lead(world):
    transfer = changes.start_transfer(world.lead, world.member, world.other, "工作调动")
    _db.session.commit()
    # Both sides see it pending; a third lead does not.
    assert transfer in changes.transfers_for(world.lead, "pending")
    assert transfer in changes.transfers_for(world.other_lead, "pending")
    bystander = world_module.factories.make_user(
        role="branch_lead", org=world_module.factories.make_org("第三党支部", "branch",
                                                                world.committee))
    assert transfer not in changes.transfers_for(bystander)
    with pytest.raises(services.MemberError):
        changes.get_transfer(bystander, transfer.id)
    # The sender cannot accept their own request; one pending transfer at a time.
    with pytest.raises(services.MemberError, match="只有转入组织"):
        changes.decide_transfer(world.lead, transfer, True)
    with pytest.raises(services.MemberError, match="待接收"):
        changes.start_transfer(world.lead, world.member, world.other)
    changes.decide_transfer(world.other_lead, transfer, True)
    _db.session.commit()
    assert _db.session.get(User, world.member.id).org_id == world.other.id
    assert transfer.status == "accepted" and transfer.decided_by_id == world.other_lead.id
    # Now the member is out of the old lead's subtree.
    with pytest.raises(services.MemberError):
        services.reset_member_password(world.lead, world.member)


def test_transfer_declined_or_cancelled_keeps_the_member(world):
    first = changes.start_transfer(world.lead, world.member, world.other)
    changes.decide_transfer(world.admin, first, False)
    second = changes.start_transfer(world.lead, world.member, world.other)
    with pytest.raises(services.MemberError):
        changes.cancel_transfer(world.other_lead, second)
    changes.cancel_transfer(world.lead, second)
    _db.session.commit()
    assert _db.session.get(User, world.member.id).org_id == world.group.id
    assert [t.status for t in changes.member_transfers(world.member)] == ["cancelled",
                                                                          "declined"]


def test_transfer_pages_both_sides(app, world):
    sender = app.test_client()
    login(sender, world.lead.username)
    token = csrf_token(sender, f"/members/{world.member.id}")
    sender.post(f"/members/{world.member.id}/transfer", data={
        "csrf_token": token, "tr-to_org": world.other.id, "tr-note": "调动"})
    transfer = changes.member_transfers(world.member)[0]
    assert "张三" in sender.get("/members/transfers").get_data(as_text=True)
    receiver = app.test_client()
    login(receiver, world.other_lead.username)
    page = receiver.get("/members/transfers").get_data(as_text=True)
    assert "张三" in page and "接收" in page
    token = csrf_token(receiver, "/members/transfers")
    receiver.post(f"/members/transfers/{transfer.id}/accept", data={"csrf_token": token})
    assert _db.session.get(User, world.member.id).org_id == world.other.id


# ---- Roster import with a scope -----------------------------------------------------------

def rows(*extra):
    return [["王五", "wangwu", "", "第一党小组", "入党积极分子", ""], *extra]


def test_scoped_roster_rows_outside_are_errors_and_nothing_is_imported(world):
    before = _db.session.scalar(select(func.count(User.id)))
    data = csv_bytes(rows(["赵六", "zhaoliu", "", "第二党支部", "群众", ""],
                          ["李四", "outsider", "", "第一党支部", "群众", ""],
                          ["钱七", "qianqi", "", "第一党支部", "群众", "管理员"]))
    preview = roster.parse_roster("名册.csv", data, scope=scope_for(world.lead))
    reasons = [str(e) for e in preview.errors]
    assert len(reasons) == 3, reasons
    assert "不在您管理的范围内" in reasons[0]
    assert "不在您的管理范围内" in reasons[1]
    assert "不能授予该角色" in reasons[2]
    with pytest.raises(roster.RosterError):
        roster.commit_roster(preview, actor=world.lead)
    _db.session.rollback()
    assert _db.session.scalar(select(func.count(User.id))) == before
    # The same file is fine for an admin (no scope) apart from nothing; a clean one imports.
    assert roster.parse_roster("名册.csv", data, scope=scope_for(world.admin)).ok
    preview = roster.parse_roster("名册.csv", csv_bytes(rows()), scope=scope_for(world.lead))
    assert preview.ok
    roster.commit_roster(preview, actor=world.lead)
    _db.session.commit()
    assert accounts.find_by_username("wangwu").org_id == world.group.id


def test_scoped_roster_pages(app, world):
    client = app.test_client()
    login(client, world.lead.username)
    token = csrf_token(client, "/members/import/")
    bad = csv_bytes(rows(["赵六", "zhaoliu", "", "第二党支部", "群众", ""]))
    import io
    page = client.post("/members/import/preview", data={
        "csrf_token": token, "file": (io.BytesIO(bad), "名册.csv")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "不在您管理的范围内" in page
    page = client.post("/members/import/preview", data={
        "csrf_token": token, "file": (io.BytesIO(csv_bytes(rows())), "名册.csv")},
        content_type="multipart/form-data").get_data(as_text=True)
    import re
    upload = re.search(r'name="token"[^>]*value="([^"]+)"', page)[1]
    response = client.post("/members/import/confirm", data={"csrf_token": token,
                                                            "token": upload})
    assert response.status_code == 302
    assert accounts.find_by_username("wangwu") is not None


# ---- The last admin ------------------------------------------------------------------------

def test_last_admin_cannot_be_demoted_or_deactivated_by_any_path(app, world):
    admin = world.admin
    with pytest.raises(accounts.AccountError, match="最后一位管理员"):
        accounts.update_user(admin, name=admin.name, role="learner", category="full_member",
                             org=world.branch, phone=None)
    _db.session.rollback()
    with pytest.raises(accounts.AccountError, match="最后一位管理员"):
        accounts.set_active(admin, False)
    _db.session.rollback()
    # Roster import (web and CLI share commit_roster).
    data = csv_bytes([["管理员", "admin1", "", "第一党支部", "正式党员", "学员"]])
    preview = roster.parse_roster("名册.csv", data)
    with pytest.raises(roster.RosterError, match="最后一位管理员"):
        roster.commit_roster(preview)
    _db.session.rollback()
    assert _db.session.get(User, admin.id).role == "admin"
    # A second admin may deactivate the first; then the second is the last one.
    second = world_module.factories.make_user(username="admin2", role="admin")
    accounts.set_active(admin, False, actor=second)
    _db.session.commit()
    with pytest.raises(accounts.AccountError, match="最后一位管理员"):
        accounts.update_user(second, name=second.name, role="branch_lead",
                             category="full_member", org=world.branch, phone=None)


def test_last_admin_guard_on_the_admin_screen_and_cli(app, world, tmp_path):
    other = world_module.factories.make_user(username="admin2", role="admin")
    client = app.test_client()
    login(client, other.username)
    token = csrf_token(client, f"/admin/users/{world.admin.id}")
    client.post(f"/admin/users/{world.admin.id}/deactivate", data={"csrf_token": token})
    assert not _db.session.get(User, world.admin.id).active
    client.post(f"/admin/users/{world.admin.id}/activate", data={"csrf_token": token})
    # admin2 demotes admin1 fine; then admin1 (the last) cannot be demoted via the CLI import.
    accounts.update_user(_db.session.get(User, world.admin.id), name="管理员", role="learner",
                         category="full_member", org=world.branch, phone=None)
    _db.session.commit()
    path = tmp_path / "名册.csv"
    path.write_bytes(csv_bytes([["管理员二", "admin2", "", "第一党支部", "正式党员", "学员"]]))
    result = app.test_cli_runner().invoke(args=["users", "import", str(path)])
    assert result.exit_code != 0 and "最后一位管理员" in result.output
    assert _db.session.get(User, other.id).role == "admin"
