"""Issue 15 item 1: signing out signs out, remember-me included, and a copied cookie dies."""
from mooc.accounts.models import LoginSession
from tests.conftest import csrf_token
from tests import factories


def _login(client, username, remember=False):
    data = {"username": username, "password": factories.PASSWORD,
            "csrf_token": csrf_token(client, "/login")}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302
    return response


def _logout(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})


def test_remember_me_user_is_signed_out_and_remember_cookie_deleted(client, make_user):
    make_user(username="keeper")
    _login(client, "keeper", remember=True)
    assert client.get_cookie("remember_token") is not None
    response = _logout(client)
    assert response.status_code == 302
    cleared = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    assert cleared and "Expires=Thu, 01 Jan 1970" in cleared[0]
    assert client.get_cookie("remember_token") is None
    assert client.get("/me/learning").status_code == 302


def test_copied_session_and_remember_cookies_are_useless_after_sign_out(app, client, make_user, db):
    make_user(username="copied")
    _login(client, "copied", remember=True)
    stolen_session = client.get_cookie("session").value
    stolen_remember = client.get_cookie("remember_token").value
    assert client.get("/me/learning").status_code == 200
    assert db.session.query(LoginSession).count() == 1
    _logout(client)
    assert db.session.query(LoginSession).count() == 0
    for name, value in (("session", stolen_session), ("remember_token", stolen_remember)):
        thief = app.test_client()
        thief.set_cookie(name, value, domain="localhost")
        assert thief.get("/me/learning").status_code == 302, name


def test_signing_out_one_device_keeps_the_other(app, client, make_user):
    make_user(username="twodevices")
    other = app.test_client()
    _login(client, "twodevices")
    _login(other, "twodevices")
    _logout(client)
    assert client.get("/me/learning").status_code == 302
    assert other.get("/me/learning").status_code == 200


def test_password_change_ends_other_sign_ins(app, client, make_user, db):
    make_user(username="changer")
    other = app.test_client()
    _login(client, "changer")
    _login(other, "changer")
    response = client.post("/account/password", data={
        "csrf_token": csrf_token(client, "/account/password"),
        "old_password": factories.PASSWORD, "new_password": "Kq7#hzv!Lm2p",
        "confirm": "Kq7#hzv!Lm2p"})
    assert response.status_code == 302
    assert client.get("/me/learning").status_code == 200
    assert other.get("/me/learning").status_code == 302
    assert db.session.query(LoginSession).count() == 1
