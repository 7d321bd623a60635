"""忘记密码: a signed one-time link when SMTP is configured; never says who exists."""
import re

import pytest

from mooc.accounts.models import User
from mooc.extensions import db as _db
from mooc.members import recovery
from tests.conftest import csrf_token, login


@pytest.fixture
def member(app, make_user):
    user = make_user(username="zhangsan")
    user.email = "zhangsan@example.cn"
    _db.session.commit()
    return user


@pytest.fixture
def sent(app, monkeypatch):
    """Capture queued e-mails instead of connecting to SMTP."""
    app.config["MAIL_SERVER"] = "smtp.example.cn"
    outbox = []
    monkeypatch.setattr(recovery, "send_link",
                        lambda user_id, link: outbox.append((user_id, link)) or True)
    return outbox


def ask(client, who):
    token = csrf_token(client, "/forgot-password")
    return client.post("/forgot-password", data={"csrf_token": token, "username": who})


def test_without_smtp_the_page_sends_members_to_their_secretary(app, client, member):
    page = client.get("/forgot-password").get_data(as_text=True)
    assert "支部的书记" in page and 'name="username"' not in page
    assert "忘记密码" in client.get("/login").get_data(as_text=True)


def test_the_answer_is_the_same_for_unknown_accounts(app, client, member, sent):
    known = ask(client, "zhangsan").get_data(as_text=True)
    unknown = ask(app.test_client(), "nobody").get_data(as_text=True)
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731 (csrf tokens)
    assert strip(known) == strip(unknown)
    assert [user_id for user_id, _link in sent] == [member.id]


def test_link_sets_a_new_password_once(app, client, member, sent):
    ask(client, "ZhangSan@Example.cn")  # by e-mail, any case
    link = sent[0][1]
    path = link.split("localhost", 1)[1]
    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token, "password": "Zhuanzheng2026dx",
                                       "confirm": "Zhuanzheng2026dx"})
    assert response.status_code == 302
    assert login(app.test_client(), "zhangsan", "Zhuanzheng2026dx").status_code == 302
    assert client.get(path).status_code == 400  # used: the account's token rotated


def test_expired_and_forged_links_fail(app, client, member, monkeypatch):
    token = recovery.make_token(member)
    assert recovery.user_for_token(token).id == member.id
    monkeypatch.setattr(recovery, "LINK_SECONDS", -1)
    assert recovery.user_for_token(token) is None
    assert client.get("/reset-password/forged").status_code == 400
    assert _db.session.get(User, member.id).auth_token


def test_requests_are_rate_limited(app, member, sent):
    client = app.test_client()
    codes = [ask(client, "zhangsan").status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[-1] == 429
