"""Security headers on every kind of answer, and cookie flags (Secure in production).

Kinds: public page, login page, signed-in HTML page, JSON API, static file, media
download (course image and attachment), error pages (404 HTML and JSON, CSRF 400).
"""
import re
from http.cookies import SimpleCookie

import pytest

from tests.conftest import csrf_token, login

REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin",
                     "strict-origin-when-cross-origin"}


def assert_security_headers(response, what):
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("X-Frame-Options") in {"DENY", "SAMEORIGIN"}, what
    assert headers.get("Referrer-Policy") in REFERRER_POLICIES, what
    csp = headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives.get("default-src") == ["'self'"], (what, csp)
    assert "'unsafe-inline'" not in directives.get("script-src", ["'self'"]), (what, csp)
    assert directives.get("object-src") == ["'none'"], (what, csp)
    assert directives.get("frame-ancestors") in (["'self'"], ["'none'"]), (what, csp)


def set_cookies(response):
    """{name: morsel} for every Set-Cookie header."""
    jar = {}
    for raw in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie()
        cookie.load(raw)
        for name, morsel in cookie.items():
            jar[name] = (morsel, raw)
    return jar


@pytest.fixture
def sample(app, make_user, make_org):
    from tests.catalog_factories import access_matrix_params
    return access_matrix_params(app, make_user, make_org)


def test_every_kind_of_answer_has_the_security_headers(app, client, make_user, sample):
    import os
    static_dir = os.path.join(app.static_folder, "css")
    css = sorted(f for f in os.listdir(static_dir) if f.endswith(".css"))[0]

    anonymous = {
        "public page": client.get("/"),
        "login page": client.get("/login"),
        "static file": client.get(f"/static/css/{css}"),
        "404 page": client.get("/no-such-page"),
        "404 JSON": client.get("/api/quiz/attempts/999999", headers={"Accept": "application/json"}),
        "CSRF error": client.post("/login", data={"username": "x", "password": "y"}),
        "health JSON": client.get("/healthz"),
    }
    learner = make_user()
    assert login(client, learner.username).status_code == 302
    course_id = sample["course_id"]
    signed_in = {
        "signed-in page": client.get("/home"),
        "course page": client.get(f"/courses/{course_id}"),
        "JSON API": client.get(f"/api/video/lessons/{sample['lesson_id']}/sources"),
        "media download": client.get(f"/courses/{course_id}/media/{sample['key']}"),
        "attachment download": client.get(f"/attachments/{sample['attachment_id']}"),
        "403/404 for another's attempt": client.get("/api/quiz/attempts/999999"),
    }
    statuses = {}
    for what, response in {**anonymous, **signed_in}.items():
        statuses[what] = response.status_code
        assert_security_headers(response, what)
    assert statuses["public page"] in (200, 302)
    assert statuses["login page"] == 200
    assert statuses["static file"] == 200
    assert statuses["404 page"] == 404
    assert statuses["CSRF error"] == 400
    assert statuses["signed-in page"] == 200
    assert statuses["media download"] == 200, statuses
    assert statuses["attachment download"] == 200, statuses
    # Pages for a signed-in user are never stored by shared caches.
    assert "no-store" in signed_in["signed-in page"].headers.get("Cache-Control", "")
    assert "private" in signed_in["media download"].headers.get("Cache-Control", "")


def test_session_cookie_is_httponly_and_samesite(app, client, make_user):
    user = make_user()
    response = login(client, user.username)
    assert response.status_code == 302
    cookies = set_cookies(response)
    assert cookies, "login sets no cookie"
    for name, (morsel, raw) in cookies.items():
        assert morsel["httponly"], f"{name} is readable from JavaScript: {raw}"
        assert morsel["samesite"].lower() in {"lax", "strict"}, raw
        assert not morsel["secure"], "development/testing serves plain HTTP"
    # Logging out expires the session cookie with the same flags.
    token = csrf_token(client, "/home")
    out = client.post("/logout", data={"csrf_token": token})
    for name, (morsel, raw) in set_cookies(out).items():
        assert morsel["httponly"] and morsel["samesite"], raw


def test_cookies_are_secure_under_production_settings(tmp_path, monkeypatch):
    """ProductionConfig: Secure cookies (plus HttpOnly, SameSite) over HTTPS."""
    from config import ProductionConfig
    from mooc import create_app
    from mooc.extensions import db
    from tests import factories
    from tests.conftest import RequestScopedClient

    class Config(ProductionConfig):
        SECRET_KEY = "a-long-production-like-secret-for-tests"
        CERT_BASE_URL = "https://dangjian.example.cn/"
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
        MEDIA_ROOT = tmp_path / "media"
        SEARCH_INDEX_DIR = tmp_path / "search_index"
        INSTANCE_DIR = tmp_path / "instance"
        HUEY_IMMEDIATE = True
        PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
        RATELIMIT_STORAGE_URI = "memory://"

    assert Config.SESSION_COOKIE_SECURE and Config.REMEMBER_COOKIE_SECURE
    app = create_app(Config)
    app.test_client_class = RequestScopedClient
    with app.app_context():
        db.create_all()
        user = factories.make_user("prod-cookie-user")
        client = app.test_client()
        page = client.get("/login", base_url="https://localhost")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                          page.get_data(as_text=True)).group(1)
        # Over HTTPS Flask-WTF also checks the Referer (WTF_CSRF_SSL_STRICT), as browsers send.
        response = client.post("/login", base_url="https://localhost",
                               headers={"Referer": "https://localhost/login"}, data={
            "username": user.username, "password": factories.PASSWORD, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        assert_security_headers(response, "login redirect (production)")
        cookies = set_cookies(page) | set_cookies(response)
        assert cookies
        for name, (morsel, raw) in cookies.items():
            assert morsel["secure"], f"{name} would be sent over plain HTTP: {raw}"
            assert morsel["httponly"], raw
            assert morsel["samesite"].lower() in {"lax", "strict"}, raw
        db.session.remove()
        db.engine.dispose()
