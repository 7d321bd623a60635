"""Walk the URL map: every state-changing route refuses a request without a CSRF token."""
import re

import pytest

from tests.conftest import login

ARG_VALUES = {"int": "1", "default": "x", "path": "x"}


def state_changing_urls(app):
    for rule in app.url_map.iter_rules():
        methods = rule.methods - {"GET", "HEAD", "OPTIONS"}
        if rule.endpoint == "static" or not methods:
            continue
        url = rule.rule
        for converter, name in re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", rule.rule):
            url = re.sub(rf"<[^>]*\b{name}>", ARG_VALUES.get(converter or "default", "1"), url)
        for method in sorted(methods):
            yield method, url, rule.endpoint


def test_there_are_state_changing_routes(app):
    assert len(list(state_changing_urls(app))) >= 10


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_state_changing_route_requires_csrf(app, make_user, signed_in):
    client = app.test_client()
    if signed_in:
        admin = make_user(role="admin")
        assert login(client, admin.username).status_code == 302
    checked = []
    for method, url, endpoint in state_changing_urls(app):
        response = client.open(url, method=method, data={"x": "1"})
        assert response.status_code == 400, f"{method} {url} ({endpoint}) accepted no token"
        assert "表单校验失败" in response.get_data(as_text=True) or \
            response.is_json and response.json.get("reason") == "csrf", endpoint
        checked.append(endpoint)
    assert checked


def test_get_never_changes_state(app, client, make_user, db):
    """GET on every route leaves the database as it was (no state change on GET)."""
    from sqlalchemy import text
    admin = make_user(role="admin")
    login(client, admin.username)

    def snapshot():
        tables = [t.name for t in db.metadata.sorted_tables if t.name != "audit_event"]
        return {t: db.session.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar()
                for t in tables}

    db.session.commit()
    before = snapshot()
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            client.get(rule.rule)
    db.session.commit()
    assert snapshot() == before
