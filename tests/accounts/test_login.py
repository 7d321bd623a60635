import pytest
from flask import session

from tests.conftest import csrf_token, login


def test_login_success_and_logout(client, make_user):
    user = make_user(username="zhangsan")
    response = login(client, "zhangsan")
    assert response.status_code == 302
    with client:
        client.get("/home")
        assert session["_user_id"].startswith(user.get_id())  # + this sign-in's key
    token = csrf_token(client, "/home")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/home").status_code == 302  # back to the login page


def test_wrong_password_is_explained_in_chinese(client, make_user):
    make_user(username="lisi")
    response = login(client, "lisi", "wrong-password1")
    assert response.status_code == 200
    assert "账号或密码不正确" in response.get_data(as_text=True)


def test_username_is_case_insensitive(client, make_user):
    make_user(username="WangWu")
    assert login(client, "wangwu").status_code == 302


def test_deactivated_user_cannot_login(client, make_user, db):
    user = make_user(username="gone")
    user.active = False
    db.session.commit()
    assert login(client, "gone").status_code == 200


def test_login_gives_a_new_session(client, make_user):
    make_user(username="fixation")
    with client:
        client.get("/login")
        client.post("/preferences", data={"csrf_token": csrf_token(client), "large_text": "1"})
        session_before = dict(session)
    with client:
        login(client, "fixation")
        client.get("/home")
        assert session.get("sid")
        assert session.get("csrf_token") != session_before.get("csrf_token")
        assert session.get("large_text") is True  # preferences survive, nothing else does


def test_session_cookie_flags(client, make_user):
    make_user(username="cookie")
    response = login(client, "cookie")
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_repeated_failures_for_one_account_are_throttled(client, make_user, app):
    make_user(username="target")
    for _ in range(5):
        assert login(client, "target", "bad-password1").status_code == 200
    response = login(client, "target", "bad-password1")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "操作过于频繁" in response.get_data(as_text=True)
    # Even the right password waits until the window passes: that's the point of throttling.
    assert login(client, "target").status_code == 429


def test_failures_per_ip_are_throttled_across_accounts(client, app):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per 10 minutes"
    for i in range(3):
        assert login(client, f"nobody{i}", "bad-password1").status_code == 200
    assert login(client, "nobody9", "bad-password1").status_code == 429


def test_successful_logins_are_not_throttled(client, make_user):
    make_user(username="regular")
    for _ in range(8):
        assert login(client, "regular").status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})


def test_open_redirect_is_refused(client, make_user):
    make_user(username="redirect")
    token = csrf_token(client)
    response = client.post("/login?next=https://evil.example/x",
                           data={"username": "redirect", "password": "pass1234",
                                 "csrf_token": token})
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_change_password_signs_out_other_devices(app, make_user):
    user = make_user(username="mover")
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "mover")
    login(laptop, "mover")
    token = csrf_token(laptop, "/account/password")
    response = laptop.post("/account/password", data={
        "old_password": "pass1234", "new_password": "Hongqi2026x", "confirm": "Hongqi2026x",
        "csrf_token": token})
    assert response.status_code == 302
    assert laptop.get("/home").status_code == 200      # this device stays in
    assert phone.get("/home").status_code == 302       # the other one is out
    assert login(app.test_client(), "mover", "Hongqi2026x").status_code == 302


def test_weak_new_password_rejected(client, login_as):
    login_as(username="weak")
    token = csrf_token(client, "/account/password")
    response = client.post("/account/password", data={
        "old_password": "pass1234", "new_password": "abcdefgh", "confirm": "abcdefgh",
        "csrf_token": token})
    assert "字母和数字" in response.get_data(as_text=True)


def test_must_change_password_redirects_after_login(client, make_user, db):
    user = make_user(username="fresh")
    user.must_change_password = True
    db.session.commit()
    assert login(client, "fresh").headers["Location"].endswith("/account/password")


def test_password_check_does_not_hold_the_write_lock(client, make_user, monkeypatch):
    """Another connection can write while a sign-in verifies its password."""
    import sqlite3
    from mooc.accounts import services
    from mooc.extensions import db
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL has no database-wide one")
    make_user(username="slowcheck")
    path = db.engine.url.database
    original = services.check_password_hash
    seen = []

    def check_while_someone_writes(stored, password):
        other = sqlite3.connect(path, timeout=0.1)
        try:
            other.execute("CREATE TABLE IF NOT EXISTS lock_probe (x)")
            other.commit()
            seen.append("wrote")
        except sqlite3.OperationalError as exc:
            seen.append(str(exc))
        finally:
            other.close()
        return original(stored, password)

    monkeypatch.setattr(services, "check_password_hash", check_while_someone_writes)
    assert login(client, "slowcheck").status_code == 302
    assert seen == ["wrote"]
