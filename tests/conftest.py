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
