"""Issue 15 item 2: until the initial password is changed, nothing else opens."""
from tests import factories
from tests.conftest import csrf_token, login


def _flagged(make_user, **fields):
    return make_user(must_change_password=True, **fields)


def test_every_page_redirects_to_the_password_change(client, make_user):
    _flagged(make_user, username="newadmin", role="admin")
    assert login(client, "newadmin").headers["Location"].endswith("/account/password")
    for path in ("/admin/users/", "/admin/audit", "/me/learning", "/courses"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].endswith("/account/password"), path
    assert client.get("/account/password").status_code == 200


def test_json_apis_answer_403_in_chinese(client, make_user):
    _flagged(make_user, username="apiuser")
    login(client, "apiuser")
    response = client.post("/api/video/lessons/1/sessions", json={},
                           headers={"X-CSRFToken": csrf_token(client, "/account/password")})
    assert response.status_code == 403
    assert response.json["reason"] == "must_change_password"
    assert "修改初始密码" in response.json["error"]


def test_form_posts_are_refused(client, make_user):
    _flagged(make_user, username="poster", role="admin")
    login(client, "poster")
    token = csrf_token(client, "/account/password")
    response = client.post("/admin/users/new", data={"csrf_token": token})
    assert response.status_code == 403


def test_after_the_change_everything_opens_again(client, make_user):
    _flagged(make_user, username="changes", role="admin")
    login(client, "changes")
    response = client.post("/account/password", data={
        "csrf_token": csrf_token(client, "/account/password"),
        "old_password": factories.PASSWORD, "new_password": "Kq7#hzv!Lm2p",
        "confirm": "Kq7#hzv!Lm2p"})
    assert response.status_code == 302
    assert client.get("/admin/users/").status_code == 200


def test_a_remember_cookie_sign_in_is_held_too(app, client, make_user):
    _flagged(make_user, username="remembered", role="admin")
    client.post("/login", data={"username": "remembered", "password": factories.PASSWORD,
                                "remember": "y", "csrf_token": csrf_token(client, "/login")})
    other = app.test_client()
    other.set_cookie("remember_token", client.get_cookie("remember_token").value,
                     domain="localhost")
    response = other.get("/admin/users/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/password")
