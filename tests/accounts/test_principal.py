"""The hot APIs' lightweight signed-in user (issue 13): same rules, no ORM row."""
from flask import Flask
from flask_login import current_user

from mooc.accounts import principal, services
from mooc.accounts.loading import key_hash
from mooc.accounts.models import User
from mooc.core import lightweight
from mooc.extensions import db
from tests.conftest import login

HOT_ENDPOINTS = {"video_api.heartbeat", "video_api.beacon", "quiz_api.save",
                 "catalog.visit"}


def test_the_hot_apis_and_only_they_are_marked(app):
    marked = {endpoint for endpoint, view in app.view_functions.items()
              if getattr(view, lightweight.ATTRIBUTE, False)}
    assert marked == HOT_ENDPOINTS


def test_a_principal_carries_what_the_rules_read(app, make_org, make_user):
    unit = make_org("第一支部")
    user = make_user(org=unit, category="probationary")
    services.start_login(user)
    db.session.commit()
    params = {"b_id": user.id, "b_key": key_hash(user.login_key)}
    loaded = principal.load(params, user.login_key)
    for name in ("id", "username", "name", "role", "category", "active",
                 "must_change_password", "auth_token", "locale", "large_text", "org_id"):
        assert getattr(loaded, name) == getattr(user, name), name
    assert (loaded.org.id, loaded.org.path) == (unit.id, unit.path)
    assert loaded.get_id() == user.get_id() and loaded.is_authenticated and loaded.is_active
    assert principal.load({**params, "b_id": 10 ** 9}) is None
    services.end_login(user)   # that sign-in ended: no principal either
    db.session.commit()
    assert principal.load(params) is None
    assert principal.orm_user(loaded) is db.session.get(User, user.id)


def _probe_app(app):
    """A marked and an unmarked view on the real app, reporting the loaded user's type."""
    @lightweight.lightweight_user
    def light():
        return type(lightweight.signed_in_user()).__name__

    def full():
        return type(current_user._get_current_object()).__name__

    app.add_url_rule("/_probe/light", "probe_light", light)
    app.add_url_rule("/_probe/full", "probe_full", full)


def test_marked_views_get_a_principal_and_sign_out_still_holds(app, client, make_user):
    _probe_app(app)
    user = make_user()
    assert login(client, user.username).status_code == 302
    assert client.get("/_probe/light").get_data(as_text=True) == "Principal"
    assert client.get("/_probe/full").get_data(as_text=True) == "User"
    # A rotated token (password change, deactivation) signs the cookie out here too.
    user.auth_token = "rotated"
    db.session.commit()
    assert client.get("/_probe/light").get_data(as_text=True) == "AnonymousUserMixin"


def test_outside_a_request_nothing_is_wanted():
    assert lightweight.wanted() is False
    with Flask(__name__).test_request_context("/"):
        assert lightweight.wanted() is False
