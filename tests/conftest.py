"""Fixtures: a fresh app and database per test (flaskr style), plus factories.

The database is SQLite in a temp file by default. Setting MOOC_TEST_DB=postgres
runs the same suite against TEST_DATABASE_URL.
"""
import os
import re
from contextlib import ExitStack

import pytest
from flask.testing import FlaskClient

from config import TestingConfig, database_url
from mooc import create_app
from mooc.extensions import db as _db
from tests import factories

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _test_db_url(tmp_path):
    if os.environ.get("MOOC_TEST_DB") == "postgres" and os.environ.get("TEST_DATABASE_URL"):
        return database_url(os.environ["TEST_DATABASE_URL"])
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


class RequestScopedClient(FlaskClient):
    """Each request gets its own app context, as in production.

    The fixture keeps an app context open for factories; without this, every request
    would reuse it and share `g` (Flask-Login's user, Flask-WTF's token) and the
    database session across requests.
    """

    _scoped = None

    def open(self, *args, **kwargs):
        # End the test's own transaction first: on SQLite it may hold the write lock,
        # and the request must see what the test wrote, as another process would.
        _db.session.commit()
        if not self.preserve_context:
            with self.application.app_context():
                return super().open(*args, **kwargs)
        # Inside `with client:` the request context outlives the request; keep its
        # app context on a stack of our own, popped after Flask pops the request.
        self._context_stack.close()
        self._pop_scoped()
        self._scoped = ExitStack()
        self._scoped.enter_context(self.application.app_context())
        return super().open(*args, **kwargs)

    def _pop_scoped(self):
        if self._scoped is not None:
            self._scoped.close()
            self._scoped = None

    def __exit__(self, *exc_info):
        super().__exit__(*exc_info)
        self._pop_scoped()


@pytest.fixture
def app(tmp_path):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = _test_db_url(tmp_path)
        MEDIA_ROOT = tmp_path / "media"
        SEARCH_INDEX_DIR = tmp_path / "search_index"
        INSTANCE_DIR = tmp_path / "instance"

    app = create_app(Config)
    app.test_client_class = RequestScopedClient
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        yield app
        _db.session.remove()
        if _db.engine.dialect.name != "sqlite":
            _db.drop_all()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_org(app):
    return factories.make_org


@pytest.fixture
def make_user(app):
    return factories.make_user


def csrf_token(client, path="/login"):
    """The CSRF token a real browser would have, scraped from a page with a form."""
    response = client.get(path)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no csrf token on {path} ({response.status_code})"
    return match.group(1)


def login(client, username, password=factories.PASSWORD):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


@pytest.fixture
def login_as(client, make_user):
    """login_as(role=..., **user_fields) → the signed-in user."""
    def _login_as(user=None, **fields):
        user = user or make_user(**fields)
        response = login(client, user.username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user
    return _login_as


# ---- Browser tests: Debian's chromium driven by Playwright -------------------------------
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--autoplay-policy=no-user-gesture-required"]
PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def browser():
    import shutil
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        pytest.skip("chromium is not installed (Debian package `chromium`; .ci/run installs it)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free loopback port, in a thread."""
    import threading
    from werkzeug.serving import make_server
    app.config["SERVER_NAME"] = None
    _db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def open_page(browser, live_server):
    """open_page(size) → a fresh Playwright page (own cookies) at that viewport size."""
    contexts = []

    def _open(size=PHONE, locale="zh-CN"):
        context = browser.new_context(viewport=size, locale=locale,
                                      base_url=live_server)
        contexts.append(context)
        return context.new_page()
    yield _open
    for context in contexts:
        context.close()


def browser_login(page, username, password=factories.PASSWORD):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#main form button[type=submit]")
    page.wait_for_load_state()


def assert_fits_width(page):
    """No horizontal scrolling: the page is no wider than the screen."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{page.url} is {overflow}px wider than the screen"
