"""A lead manages members of their own subtree only, through the pages and the services."""
import pytest
from sqlalchemy import select

from mooc.accounts.models import User
from mooc.extensions import db as _db
from mooc.members import changes, services
from tests.conftest import csrf_token, login
from tests.members import world as world_module
from tests.querycount import count_statements


@pytest.fixture
def world(app):
    return world_module.build()


def signed_in(app, user):
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return client


def listed(actor, **filters):
    return {u.username for u in _db.session.scalars(services.member_query(actor, **filters))}


def test_lead_lists_only_their_subtree(world):
    names = listed(world.lead)
    assert {"member1", "lead1", "deputy1"} <= names
    assert not names & {"outsider", "lead2", "toplead", "admin1"}
    assert listed(world.deputy) == names
    assert {"outsider", "member1"} <= listed(world.top_lead)
    assert listed(world.lead, q="张") == {"member1"}
    # A unit filter outside the scope is ignored, never widened.
    assert listed(world.lead, org=world.other) == names


def test_list_page_and_search(app, world):
    client = signed_in(app, world.lead)
    page = client.get("/members/?q=张").get_data(as_text=True)
    assert "张三" in page and "李四" not in page
    page = client.get("/members/").get_data(as_text=True)
    assert "李四" not in page and "书记乙" not in page


def test_list_page_query_count_does_not_grow(app, world):
    client = signed_in(app, world.lead)

    def measure():
        with count_statements(_db.engine) as found:
            assert client.get("/members/?page=1").status_code == 200
        return len(found)

    before = measure()
    _db.session.add_all([User(username=f"bulk{i}", name=f"批量{i}", org_id=world.group.id,
                              password_hash="x") for i in range(120)])
    _db.session.commit()
    assert measure() == before


def test_out_of_subtree_is_404_on_every_member_route(app, world):
    client = signed_in(app, world.lead)
    assert client.get(f"/members/{world.outsider.id}").status_code == 404
    token = csrf_token(client, "/members/")
    for action in ("deactivate", "activate", "reset-password", "category", "transfer"):
        response = client.post(f"/members/{world.outsider.id}/{action}",
                               data={"csrf_token": token})
        assert response.status_code == 404, action
    assert _db.session.get(User, world.outsider.id).active


@pytest.mark.parametrize("who,target", [("lead", "outsider"), ("lead", "lead"),
                                        ("lead", "admin"), ("deputy", "lead"),
                                        ("lead", "deputy"), ("lead", "top_lead"),
                                        ("other_lead", "member")])
def test_services_refuse_out_of_scope_and_protected_accounts(world, who, target):
    actor, member = getattr(world, who), getattr(world, target)
    if target == "admin":
        member.org_id = world.branch.id  # even an admin placed inside the subtree
        _db.session.commit()
    with pytest.raises(services.MemberError):
        services.reset_member_password(actor, member)
    with pytest.raises(services.MemberError):
        services.set_member_active(actor, member, False)
    with pytest.raises(services.MemberError):
        services.update_member(actor, member, name="改名", org=world.branch)
    with pytest.raises(services.MemberError):
        changes.change_category(actor, member, "full_member")


def test_a_lead_manages_a_sub_lead_but_never_lifts_their_own_scope(world):
    services.reset_member_password(world.top_lead, world.lead)  # a lead below them
    with pytest.raises(services.MemberError):
        services.update_member(world.lead, world.lead, name="书记甲", org=world.committee)


def test_lead_never_grants_admin_or_lead(world):
    for role in ("admin", "branch_lead", "org_deputy"):
        with pytest.raises(services.MemberError, match="不能授予"):
            services.create_member(world.lead, username=f"x{role}", name="新人",
                                   org=world.branch, role=role)


def test_create_edit_deactivate_reactivate(app, world):
    client = signed_in(app, world.lead)
    token = csrf_token(client, "/members/new")
    response = client.post("/members/new", data={
        "csrf_token": token, "username": "wangwu", "name": "王五", "org": world.group.id,
        "category": "activist", "phone": "+86 138 0013 8000", "email": "WangWu@Example.cn",
        "joined_party_on": "", "full_member_on": ""})
    assert response.status_code == 200
    assert "一次性临时密码" in response.get_data(as_text=True)
    user = services.accounts.find_by_username("wangwu")
    assert user.org_id == world.group.id and user.must_change_password
    assert user.phone == "13800138000" and user.email == "wangwu@example.cn"

    # Out-of-scope unit, bad mobile, duplicate e-mail: Chinese errors, nothing saved.
    token = csrf_token(client, f"/members/{user.id}")
    for data, message in [({"org": world.other.id}, "不在您管理的范围内"),
                          ({"phone": "12345"}, "手机号格式不正确"),
                          ({"email": "not-mail"}, "电子邮箱格式不正确")]:
        form = {"csrf_token": token, "name": "王五", "org": world.branch.id, **data}
        page = client.post(f"/members/{user.id}", data=form,
                           follow_redirects=True).get_data(as_text=True)
        assert message in page, message
    world.member.email = "zhang@example.cn"
    _db.session.commit()
    page = client.post(f"/members/{user.id}", data={
        "csrf_token": token, "name": "王五", "org": world.branch.id,
        "email": "zhang@example.cn"}, follow_redirects=True).get_data(as_text=True)
    assert "已被其他账号使用" in page
    assert _db.session.get(User, user.id).org_id == world.group.id

    response = client.post(f"/members/{user.id}", data={
        "csrf_token": token, "name": "王五五", "org": world.branch.id, "phone": "13900139000",
        "joined_party_on": "2020-07-01", "full_member_on": "2021-07-01"})
    assert response.status_code == 302
    user = _db.session.get(User, user.id)
    assert user.name == "王五五" and user.org_id == world.branch.id
    assert str(user.full_member_on) == "2021-07-01"

    client.post(f"/members/{user.id}/deactivate", data={"csrf_token": token})
    assert not _db.session.get(User, user.id).active
    client.post(f"/members/{user.id}/activate", data={"csrf_token": token})
    assert _db.session.get(User, user.id).active


def test_deputy_manages_members_but_has_no_dashboard(app, world):
    client = signed_in(app, world.deputy)
    assert client.get("/members/").status_code == 200
    assert client.get(f"/members/{world.member.id}").status_code == 200
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/assignments/new").status_code in (403, 404)


def test_reset_shows_a_one_time_code_and_forces_a_change(app, world):
    client = signed_in(app, world.lead)
    token = csrf_token(client, f"/members/{world.member.id}")
    response = client.post(f"/members/{world.member.id}/reset-password",
                           data={"csrf_token": token})
    assert response.headers["Cache-Control"] == "no-store"
    import re
    code = re.search(r'id="one-time-code"[^>]*>([^<]+)<', response.get_data(as_text=True))[1]
    assert _db.session.get(User, world.member.id).must_change_password
    assert login(app.test_client(), "member1").status_code == 200  # old password gone
    member_client = app.test_client()
    response = login(member_client, "member1", code)
    assert response.status_code == 302 and "/account/password" in response.headers["Location"]
    # Shown once: the member page does not show it again.
    assert code not in client.get(f"/members/{world.member.id}").get_data(as_text=True)


def test_email_is_used_for_reminders(world):
    from mooc.assignments.notifications import email_for
    assert email_for(world.member) is None
    world.member.email = "zhangsan@example.cn"
    assert email_for(world.member) == "zhangsan@example.cn"


def test_export_is_scoped_and_audited(app, world):
    from mooc.core.models import AuditEvent
    client = signed_in(app, world.lead)
    body = client.get("/members/export.csv").get_data(as_text=True)
    assert "member1" in body and "outsider" not in body
    event = _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "member.export")).one()
    assert event.actor_id == world.lead.id and event.org_id == world.branch.id


def test_a_one_time_password_must_be_changed_before_anything_else(app, world):
    code = services.reset_member_password(world.lead, world.member)
    _db.session.commit()
    client = app.test_client()
    login(client, "member1", code)
    for path in ("/home", "/courses", "/members/"):
        response = client.get(path)
        assert response.status_code == 302 and "/account/password" in response.headers[
            "Location"], path
    assert client.get("/account/password").status_code == 200
