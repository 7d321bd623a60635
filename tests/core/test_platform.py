import pytest
from sqlalchemy import func, select

from config import ProductionConfig
from mooc import create_app
from mooc.accounts.models import User
from mooc.org.models import Organisation
from tests.conftest import csrf_token, login


def test_healthz_reports_each_part(client):
    from mooc.search import services
    assert client.get("/healthz").get_json()["search"]["state"] == "missing"
    services.rebuild()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["jobs"]["ok"] and body["search"]["ok"]


def test_healthz_is_503_when_a_part_fails(client, monkeypatch):
    from mooc.core.registry import contributions
    checks = contributions(client.application).health_checks
    monkeypatch.setitem(checks, "broken", lambda: {"ok": False, "error": "down"})
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["broken"]["ok"] is False


def test_chinese_by_default_and_english_from_accept_language(client):
    assert "登录党建慕课" in client.get("/login").get_data(as_text=True)
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert 'lang="en"' in page.get_data(as_text=True)
    assert "Sign in" in page.get_data(as_text=True)
    page = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert "登录党建慕课" in page.get_data(as_text=True)


def test_language_preference_is_stored_on_the_account(client, login_as, db):
    user = login_as()
    client.post("/preferences", data={"locale": "en", "csrf_token": csrf_token(client, "/home")})
    assert db.session.get(User, user.id).locale == "en"
    assert "Sign out" in client.get("/home").get_data(as_text=True)


def test_large_text_mode(client, login_as, db):
    user = login_as()
    client.post("/preferences", data={"large_text": "1", "csrf_token": csrf_token(client, "/home")})
    assert 'class="large-text"' in client.get("/home").get_data(as_text=True)
    assert db.session.get(User, user.id).large_text is True


def test_unknown_locale_is_rejected(client):
    token = csrf_token(client)
    assert client.post("/preferences", data={"locale": "xx", "csrf_token": token}).status_code == 400


@pytest.mark.parametrize("path", ["/login", "/healthz", "/static/css/app.css", "/nowhere"])
def test_security_headers_on_every_kind_of_page(client, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_pages_use_no_external_assets(client, login_as):
    login_as(role="admin")
    for path in ["/login", "/home", "/admin/users/", "/admin/org", "/admin/audit"]:
        html = client.get(path).get_data(as_text=True)
        assert "http://" not in html.replace("http://localhost", "") and "https://" not in html, path


def test_404_and_405_are_friendly(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)
    response = client.get("/logout")
    assert response.status_code == 405
    api = client.get("/api/nothing")
    assert api.status_code == 404 and api.is_json and api.json["error"]


def test_production_refuses_default_secret(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "dev-secret-change-me")
    with pytest.raises(RuntimeError):
        create_app(ProductionConfig)


def test_demo_load_is_idempotent(app, db):
    from mooc.demo import services as demo
    demo.load()
    counts = (db.session.scalar(select(func.count(User.id))),
              db.session.scalar(select(func.count(Organisation.id))))
    demo.load()
    assert counts == (db.session.scalar(select(func.count(User.id))),
                      db.session.scalar(select(func.count(Organisation.id))))
    assert counts[0] >= 45
    kinds = set(db.session.scalars(select(Organisation.kind)))
    assert {"committee", "general_branch", "branch", "group"} <= kinds
    categories = set(db.session.scalars(select(User.category)))
    assert len(categories) == 5


def test_every_demo_account_lands_on_its_home(app, db):
    from mooc.demo import services as demo
    demo.load()
    expected = {"admin": "/admin/users/", "teacher": "/home", "lead": "/dashboard/",
                "member": "/me/learning", "probation": "/me/learning"}
    for username, home in expected.items():
        client = app.test_client()
        assert login(client, username, demo.DEMO_PASSWORD).status_code == 302
        landing = client.get("/")
        assert landing.headers["Location"].endswith(home), username
        assert client.get(home).status_code == 200


def test_users_create_cli(app, make_org, db):
    make_org("第一党支部")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "root2", "--password", "Hongqi2026x",
                                 "--role", "admin"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "create", "zhang", "--password", "Hongqi2026x",
                                 "--role", "learner", "--org", "第一党支部",
                                 "--category", "预备党员"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "zhang"))
    assert user.category == "probationary" and user.org.name == "第一党支部"
    result = runner.invoke(args=["users", "create", "nobody", "--password", "Hongqi2026x"])
    assert result.exit_code != 0 and "组织" in result.output


def test_audit_log_records_admin_actions(client, login_as, make_org):
    login_as(role="admin")
    token = csrf_token(client, "/admin/org")
    client.post("/admin/org/create", data={"name": "审计支部", "kind": "branch", "parent": "",
                                           "csrf_token": token})
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "创建组织 审计支部" in page


def test_english_catalogue_is_complete():
    """Every UI string has an English translation (run `make i18n`, then translate)."""
    from babel.messages.pofile import read_po
    from config import BASE_DIR
    with open(BASE_DIR / "mooc/translations/en/LC_MESSAGES/messages.po", "rb") as handle:
        catalogue = read_po(handle, locale="en")
    missing = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy)]
    assert not missing, f"untranslated: {missing[:10]}"


def test_catalogue_matches_the_source(tmp_path):
    """No UI string in the code is missing from the catalogue."""
    import subprocess
    import sys
    from babel.messages.pofile import read_po
    from config import BASE_DIR
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    "mooc/babel.cfg", "-k", "_l", "-o", str(pot), "."], cwd=BASE_DIR,
                   check=True, capture_output=True)
    with open(pot, "rb") as handle:
        source = {m.id for m in read_po(handle) if m.id}
    with open(BASE_DIR / "mooc/translations/en/LC_MESSAGES/messages.po", "rb") as handle:
        translated = {m.id for m in read_po(handle, locale="en") if m.id and m.string}
    assert not (source - translated), f"run `make i18n` and translate: {sorted(source - translated)[:10]}"
