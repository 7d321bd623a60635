"""Fixtures: a fresh app and database per test (flaskr style), plus factories.

The database is SQLite in a temp file by default. Setting MOOC_TEST_DB=postgres
runs the same suite against TEST_DATABASE_URL (`make test-postgres`): each pytest
process (each xdist worker) gets a schema of its own, emptied after every test.
"""
import os
import re
import uuid
from contextlib import ExitStack

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from config import TestingConfig, database_url
from mooc import create_app
from mooc.catalog import kinds as lesson_kinds
from mooc.extensions import db as _db
from mooc.quizzes.lesson_kind import QuizLesson
from mooc.video.lesson_kind import VideoLessonKind
from tests import factories

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
POSTGRES_MODE = os.environ.get("MOOC_TEST_DB") == "postgres"


@pytest.fixture(autouse=True, scope="session")
def builtin_lesson_kinds():
    """Package tests read video and quiz lessons without an app (which registers them)."""
    for kind in (VideoLessonKind, QuizLesson):
        lesson_kinds.register(kind)


def pytest_configure(config):
    if POSTGRES_MODE and not os.environ.get("TEST_DATABASE_URL"):
        raise pytest.UsageError("MOOC_TEST_DB=postgres needs TEST_DATABASE_URL "
                                "(e.g. postgresql://postgres@127.0.0.1:5432/test)")


class PgSchema:
    """A throwaway schema in TEST_DATABASE_URL for one pytest process.

    Tables are created once; after each test the rows are deleted and the sequences
    restarted (ids start at 1 again, as in a fresh SQLite file): ~10 ms instead of
    ~300 ms for create_all per test. The admin connection holds an advisory lock on the
    schema's name for the whole run, so a later run can tell a schema left behind by
    a killed run (lock free) from one in use by a parallel run, and drop it.
    """

    PREFIX = "mooc_test_"

    def __init__(self, base_url):
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.name = f"{self.PREFIX}{worker}_{uuid.uuid4().hex[:8]}"
        self.base = database_url(base_url)
        sep = "&" if "?" in self.base else "?"
        # application_name tags the app's connections so reset() can find stragglers.
        self.url = (f"{self.base}{sep}options=-csearch_path%3D{self.name}"
                    f"&application_name={self.name}")
        self.engine = create_engine(self.base)
        self.conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self.conn.execute(text("SELECT pg_advisory_lock(hashtext(:n))"), {"n": self.name})
        self._drop_abandoned()
        self._create()

    def _drop_abandoned(self):
        names = self.conn.execute(text(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE :p"),
            {"p": self.PREFIX.replace("_", r"\_") + "%"}).scalars().all()
        for name in names:
            if name != self.name and self.conn.execute(
                    text("SELECT pg_try_advisory_lock(hashtext(:n))"), {"n": name}).scalar():
                self.conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
                self.conn.execute(text("SELECT pg_advisory_unlock(hashtext(:n))"), {"n": name})

    def _create(self):
        from mooc import import_features
        import_features()  # every model, so create_all makes every table
        self.conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        self.conn.execute(text(f'SET search_path TO "{self.name}"'))
        _db.metadata.create_all(self.conn)
        sequences = self.conn.execute(text(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = :s"),
            {"s": self.name}).scalars().all()
        self._reset_sql = ";\n".join(
            [f'DELETE FROM "{t.name}"' for t in reversed(_db.metadata.sorted_tables)]
            + [f'ALTER SEQUENCE "{s}" RESTART' for s in sequences])

    def reset(self):
        # A connection the test left open (a thread, a forked process) would block the
        # DELETEs or see the next test's rows: end it first.
        self.conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = :n AND pid <> pg_backend_pid()"), {"n": self.name})
        self.conn.execute(text("SET lock_timeout = '30s'"))
        try:
            self.conn.exec_driver_sql(self._reset_sql)
        except Exception:
            # The test changed the schema itself: start over from an empty one.
            self.conn.execute(text(f'DROP SCHEMA "{self.name}" CASCADE'))
            self._create()

    def close(self):
        self.conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self.conn.close()
        self.engine.dispose()


@pytest.fixture(scope="session")
def pg_schema():
    """The process's PostgreSQL schema under MOOC_TEST_DB=postgres, else None."""
    if not POSTGRES_MODE:
        yield None
        return
    schema = PgSchema(os.environ["TEST_DATABASE_URL"])
    yield schema
    schema.close()


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
def app(tmp_path, pg_schema):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = (pg_schema.url if pg_schema is not None
                                   else f"sqlite:///{tmp_path / 'test.sqlite3'}")
        MEDIA_ROOT = tmp_path / "media"
        SEARCH_INDEX_DIR = tmp_path / "search_index"
        INSTANCE_DIR = tmp_path / "instance"

    app = create_app(Config)
    app.test_client_class = RequestScopedClient
    try:
        with app.app_context():
            if pg_schema is None:
                _db.create_all()
            yield app
            _db.session.remove()
            _db.engine.dispose()
    finally:
        if pg_schema is not None:
            pg_schema.reset()


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
    # Wait for the sign-in's own navigation: a goto() right after a bare click could
    # abort the POST still in flight (seen under load as a signed-out next page).
    with page.expect_navigation():
        page.click("#main form button[type=submit]")
    page.wait_for_load_state()


def assert_fits_width(page):
    """No horizontal scrolling: the page is no wider than the screen."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{page.url} is {overflow}px wider than the screen"
