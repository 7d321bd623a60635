"""Admin user screens: list, create, edit, deactivate, reset password and the roster import flow."""
import io
import os
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from mooc.accounts import services
from mooc.accounts.models import User
from mooc.core.models import AuditEvent
from mooc.extensions import db as _db
from tests.conftest import csrf_token, login
from tests.accounts.test_roster import GOOD_ROWS, xlsx_bytes

BASE = "/admin/users"


@pytest.fixture
def admin(login_as):
    return login_as(username="boss", role="admin", name="管理员甲")


@pytest.fixture
def office(make_org):
    committee = make_org("党委", "committee")
    make_org("第一党支部", "branch", make_org("第一党总支", "general_branch", committee))
    return make_org("机关党支部", "branch", committee)


def page_text(response):
    return response.get_data(as_text=True)


def listed(response):
    """Usernames in the list's table, in order."""
    return re.findall(r'data-label="账号">([^<]*)</td>', page_text(response))


def upload_dir(app):
    return os.path.join(app.instance_path, "roster_uploads")


# --------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("get", "/"), ("get", "/new"), ("post", "/new"), ("get", "/{id}"), ("post", "/{id}"),
    ("post", "/{id}/deactivate"), ("post", "/{id}/activate"), ("post", "/{id}/reset-password"),
    ("get", "/import"), ("get", "/import/template.xlsx"), ("post", "/import/preview"),
    ("post", "/import/confirm"),
])
@pytest.mark.parametrize("role", ["learner", "instructor", "branch_lead"])
def test_non_admins_get_403(client, login_as, make_user, method, path, role):
    target = make_user()
    login_as(role=role)
    token = csrf_token(client, "/account/password")
    response = getattr(client, method)(BASE + path.format(id=target.id),
                                       data={"csrf_token": token} if method == "post" else None)
    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(BASE + "/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --------------------------------------------------------------------------
# List
# --------------------------------------------------------------------------

def test_list_searches_and_filters(client, admin, make_user, office, make_org):
    make_user("wangjg", name="王建国", org=office)
    make_user("lixy", name="李秀英", org=office, category="probationary")
    inactive = make_user("zhaowu", name="赵五", org=office)
    services.set_active(inactive, False)
    _db.session.commit()

    assert listed(client.get(BASE + "/?q=王建")) == ["wangjg"]
    assert listed(client.get(BASE + "/?q=LIXY")) == ["lixy"]
    assert listed(client.get(BASE + "/?category=probationary")) == ["lixy"]
    assert listed(client.get(BASE + "/?active=0")) == ["zhaowu"]
    assert listed(client.get(BASE + "/?role=admin")) == ["boss"]
    # A unit's filter includes the units under it.
    elsewhere = make_user("elsewhere", org=make_org("别的支部"))
    assert elsewhere.username not in listed(client.get(f"{BASE}/?org={office.parent_id}"))
    assert sorted(listed(client.get(f"{BASE}/?org={office.parent_id}&active=1"))) == [
        "lixy", "wangjg"]


def test_list_ignores_nonsense_parameters(client, admin):
    for query in ("?page=abc", "?page=-3", "?page=999", "?org=abc&role=king&active=maybe",
                  "?q=%25_%5C" + "x" * 300, "?org=99999"):
        response = client.get(BASE + "/" + query)
        assert response.status_code == 200, query


def test_list_is_paginated_and_keeps_filters(client, admin, office):
    hashed = services.hash_password("pass1234")
    for i in range(35):
        services.create_user(f"member{i:02d}", f"党员{i:02d}", None, org=office,
                             password_hash=hashed)
    _db.session.commit()
    text = page_text(client.get(BASE + "/?role=learner"))
    assert "共 35 人" in text
    assert "第 1 / 2 页" in text
    assert "role=learner" in re.search(r'href="([^"]*page=2[^"]*)"', text).group(1)


# --------------------------------------------------------------------------
# Create and edit
# --------------------------------------------------------------------------

def test_admin_creates_a_user(client, admin, office):
    token = csrf_token(client, BASE + "/new")
    response = client.post(BASE + "/new", data={
        "csrf_token": token, "username": "newbie", "name": "新同志", "phone": "13800138000",
        "org": str(office.id), "category": "activist", "role": "learner",
        "password": "Start2024"}, follow_redirects=True)
    assert response.status_code == 200
    assert "已创建用户 新同志" in page_text(response)
    user = services.find_by_username("newbie")
    assert (user.org_id, user.category, user.phone) == (office.id, "activist", "13800138000")
    assert user.must_change_password
    assert _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create",
                                                       AuditEvent.target_id == str(user.id)))


@pytest.mark.parametrize("changes, message", [
    ({"username": "boss"}, "账号“boss”已存在"),
    ({"org": ""}, "必须属于一个组织"),
    ({"org": "99999"}, "不是有效的选择"),
    ({"phone": "abc"}, "手机号格式不正确"),
    ({"password": "short"}, "初始密码至少 8 个字符"),
    ({"password": "onlyletters"}, "密码需要同时包含字母和数字"),
    ({"role": "king"}, "不是有效的选择"),
])
def test_create_rejects_bad_input_without_a_500(client, admin, office, changes, message):
    data = {"csrf_token": csrf_token(client, BASE + "/new"), "username": "newbie",
            "name": "新同志", "org": str(office.id), "category": "full_member",
            "role": "learner", "password": "Start2024", **changes}
    count = _db.session.scalar(select(func.count(User.id)))
    response = client.post(BASE + "/new", data=data)
    assert response.status_code == 200
    assert message in page_text(response)
    assert _db.session.scalar(select(func.count(User.id))) == count


def test_admin_edits_a_user(client, admin, make_user, office, make_org):
    user = make_user("wangjg", name="王建国", org=office)
    other = make_org("第三党支部")
    text = page_text(client.get(f"{BASE}/{user.id}"))
    assert 'value="王建国"' in text
    response = client.post(f"{BASE}/{user.id}", data={
        "csrf_token": csrf_token(client, f"{BASE}/{user.id}"), "name": "王建军",
        "phone": "139-0000-0000", "org": str(other.id), "category": "probationary",
        "role": "instructor"}, follow_redirects=True)
    assert "已保存" in page_text(response)
    _db.session.refresh(user)
    assert (user.name, user.org_id, user.category, user.role, user.phone) == \
        ("王建军", other.id, "probationary", "instructor", "139-0000-0000")


def test_edit_unknown_user_is_404(client, admin):
    assert client.get(BASE + "/424242").status_code == 404
    assert client.get(BASE + "/99999999999999999999999").status_code == 404


def test_admin_cannot_demote_themselves(client, admin):
    response = client.post(f"{BASE}/{admin.id}", data={
        "csrf_token": csrf_token(client, f"{BASE}/{admin.id}"), "name": "管理员甲",
        "org": "", "category": "full_member", "role": "learner"})
    assert "不能取消自己的管理员角色" in page_text(response)
    _db.session.refresh(admin)
    assert admin.role == "admin"


def test_posts_without_csrf_token_are_refused(client, admin, make_user):
    user = make_user()
    response = client.post(f"{BASE}/{user.id}/deactivate")
    assert response.status_code == 400
    _db.session.refresh(user)
    assert user.active


# --------------------------------------------------------------------------
# Deactivate, reactivate, reset password
# --------------------------------------------------------------------------

def test_deactivated_user_cannot_log_in_until_reactivated(app, client, admin, make_user):
    user = make_user("wangjg")
    member_browser = app.test_client()
    assert login(member_browser, "wangjg").status_code == 302

    response = client.post(f"{BASE}/{user.id}/deactivate",
                           data={"csrf_token": csrf_token(client, f"{BASE}/{user.id}")},
                           follow_redirects=True)
    assert "已停用 wangjg" in page_text(response)
    # The open session ends at once, and a new login fails.
    assert member_browser.get("/home").status_code == 302
    assert login(app.test_client(), "wangjg").status_code == 200

    client.post(f"{BASE}/{user.id}/activate",
                data={"csrf_token": csrf_token(client, f"{BASE}/{user.id}")})
    assert login(app.test_client(), "wangjg").status_code == 302


def test_admin_cannot_deactivate_themselves(client, admin):
    response = client.post(f"{BASE}/{admin.id}/deactivate",
                           data={"csrf_token": csrf_token(client, f"{BASE}/{admin.id}")},
                           follow_redirects=True)
    assert "不能停用自己的账号" in page_text(response)
    _db.session.refresh(admin)
    assert admin.active


def test_reset_password_shows_the_temporary_password_once(app, client, admin, make_user):
    user = make_user("wangjg")
    response = client.post(f"{BASE}/{user.id}/reset-password",
                           data={"csrf_token": csrf_token(client, f"{BASE}/{user.id}")},
                           follow_redirects=True)
    match = re.search(r"临时密码：(\S+?)（", page_text(response))
    assert match
    temporary = match.group(1)
    assert temporary not in page_text(client.get(f"{BASE}/{user.id}"))  # shown once only

    assert login(app.test_client(), "wangjg").status_code == 200  # old password is gone
    response = login(app.test_client(), "wangjg", temporary)
    assert response.status_code == 302 and "/account/password" in response.headers["Location"]


def test_get_requests_change_nothing(client, admin, make_user):
    user = make_user()
    for path in (f"/{user.id}/deactivate", f"/{user.id}/reset-password", "/import/confirm"):
        assert client.get(BASE + path).status_code == 405
    _db.session.refresh(user)
    assert user.active


# --------------------------------------------------------------------------
# Roster import
# --------------------------------------------------------------------------

def _upload(client, data, filename="名册.xlsx"):
    return client.post(BASE + "/import/preview", data={
        "csrf_token": csrf_token(client, BASE + "/import"),
        "file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def _confirm_token(text):
    return re.search(r'name="token"[^>]*value="([^"]*)"', text).group(1)


def test_roster_upload_preview_confirm(app, client, admin, office):
    response = _upload(client, xlsx_bytes(GOOD_ROWS))
    text = page_text(response)
    assert response.status_code == 200
    assert "新建 3 人" in text and "王建国" in text and "确认导入" in text
    assert "disabled" not in text
    assert services.find_by_username("wangjg") is None  # nothing written yet
    token = _confirm_token(text)
    assert sorted(os.listdir(upload_dir(app))) == sorted([f"{token}.upload", f"{token}.json"])

    response = client.post(BASE + "/import/confirm", data={
        "csrf_token": csrf_token(client, BASE + "/import"), "token": token},
        follow_redirects=True)
    assert "名册已导入：新建 3 人，更新 0 人，无变化 0 人" in page_text(response)
    assert services.find_by_username("wangjg").org_id == office.id
    assert os.listdir(upload_dir(app)) == []

    # The same token cannot be replayed.
    response = client.post(BASE + "/import/confirm", data={
        "csrf_token": csrf_token(client, BASE + "/import"), "token": token},
        follow_redirects=True)
    assert "已失效" in page_text(response)


def test_roster_with_errors_shows_them_and_cannot_be_confirmed(app, client, admin, office):
    rows = [GOOD_ROWS[0], ["赵五", "zhaowu", "电话123", "机关党支部", "群众", ""]]
    text = page_text(_upload(client, xlsx_bytes(rows)))
    assert "第 3 行" in text and "手机号" in text and "格式不正确" in text
    assert re.search(r"<button type=\"submit\"[^>]*\sdisabled[\s>]", text)
    assert _confirm_token(text) == ""
    assert not os.path.exists(upload_dir(app)) or os.listdir(upload_dir(app)) == []


def test_non_spreadsheet_upload_gets_a_file_error(client, admin):
    text = page_text(_upload(client, b"%PDF-1.4 not a roster", "名册.pdf"))
    assert "只支持 .xlsx 和 .csv" in text and "整个文件" in text


def test_upload_without_a_file_is_asked_again(client, admin):
    response = client.post(BASE + "/import/preview",
                           data={"csrf_token": csrf_token(client, BASE + "/import")})
    assert response.status_code == 200
    assert "请选择要导入的名册文件" in page_text(response)


def test_confirm_reparses_and_refuses_tokens_of_others(app, client, admin, office, make_user):
    token = _confirm_token(page_text(_upload(client, xlsx_bytes(GOOD_ROWS))))

    other_admin = app.test_client()
    make_user("boss2", role="admin")
    login(other_admin, "boss2")
    response = other_admin.post(BASE + "/import/confirm", data={
        "csrf_token": csrf_token(other_admin, BASE + "/import"), "token": token},
        follow_redirects=True)
    assert "已失效" in page_text(response)

    # Someone takes an account name in between: the confirm re-parses and updates instead.
    make_user("wangjg", name="旧名字", org=office)
    response = client.post(BASE + "/import/confirm", data={
        "csrf_token": csrf_token(client, BASE + "/import"), "token": token},
        follow_redirects=True)
    assert "新建 2 人，更新 1 人" in page_text(response)
    assert services.find_by_username("wangjg").name == "王建国"


@pytest.mark.parametrize("token", ["", "../../etc/passwd", "x" * 30])
def test_confirm_with_a_bad_token_is_harmless(client, admin, token):
    response = client.post(BASE + "/import/confirm", data={
        "csrf_token": csrf_token(client, BASE + "/import"), "token": token})
    assert response.status_code == 302


def test_template_download(client, admin, office):
    response = client.get(BASE + "/import/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["姓名", "账号", "手机号", "所属组织", "政治面貌", "角色"]
    assert rows[1][3] == "党委/第一党总支/第一党支部"
