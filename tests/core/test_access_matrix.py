"""Every route × every role: a route reachable by a role it should not be fails here.

EXPECTED lists each endpoint with the roles allowed to use it. A new endpoint that is
not listed fails `test_every_endpoint_is_listed`, so nobody adds a route without
deciding who may use it. URL parameters come from `sample_params`, which builds one
object of each kind; `owner` rows mean "the owner of the sample object".
"""
import pytest

from tests.conftest import csrf_token, login

ANON, LEARNER, INSTRUCTOR, LEAD, ADMIN = "anon", "learner", "instructor", "branch_lead", "admin"
EVERYONE = {ANON, LEARNER, INSTRUCTOR, LEAD, ADMIN}
SIGNED_IN = {LEARNER, INSTRUCTOR, LEAD, ADMIN}
AUTHORS = {INSTRUCTOR, ADMIN}
LEADS = {LEAD, ADMIN}
ADMINS = {ADMIN}

# endpoint: allowed roles. Requests are GET when the route allows it, else POST with a token.
EXPECTED = {
    "core.index": EVERYONE,
    "core.home": SIGNED_IN,
    "core.healthz": EVERYONE,
    "core.preferences": EVERYONE,
    "core.audit_log": ADMINS,
    "core.job_status": {ADMIN},  # the sample job belongs to someone else: owners only
    "accounts.login": EVERYONE,
    "accounts.logout": EVERYONE,
    "accounts.change_password": SIGNED_IN,
    "accounts_admin.users": ADMINS,
    "accounts_admin.create": ADMINS,
    "accounts_admin.edit": ADMINS,
    "accounts_admin.deactivate": ADMINS,
    "accounts_admin.activate": ADMINS,
    "accounts_admin.reset_password": ADMINS,
    "accounts_admin.roster_import": ADMINS,
    "accounts_admin.roster_template": ADMINS,
    "accounts_admin.roster_preview": ADMINS,
    "accounts_admin.roster_confirm": ADMINS,
    "org.manage": ADMINS,
    "org.create": ADMINS,
    "org.edit": ADMINS,
    "org.change": ADMINS,
    "org.overview": LEADS,
}


def sample_params(app, make_user, make_org):
    """One object of each kind, and the URL parameter values that point at them."""
    from mooc.core.models import BackgroundJob
    from mooc.extensions import db
    committee = make_org("矩阵党委", "committee")
    branch = make_org("矩阵支部", "branch", committee)
    other = make_user(username="matrix-target", org=branch)
    job = BackgroundJob(kind="test", owner_id=other.id)
    db.session.add(job)
    db.session.commit()
    params = {"org_id": branch.id, "user_id": other.id, "job_id": job.id, "action": "rename"}
    for extend in PARAM_HOOKS:
        params.update(extend(app, make_user, make_org, committee=committee, branch=branch))
    return params, committee


# Features add functions here that create their sample objects and return URL params.
PARAM_HOOKS = []

USERS_FOR_ROLE = {LEARNER: "learner", INSTRUCTOR: "instructor", LEAD: "branch_lead",
                  ADMIN: "admin"}


def _rule_for(app, endpoint):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    assert rules, f"{endpoint} is in EXPECTED but not registered"
    return rules[0]


def _is_denied(role, response):
    if response.status_code in (401, 403, 404):
        return True
    # Flask-Login sends strangers to the login page with ?next=; a plain redirect
    # to /login (the index, logout) is the route working, not a refusal.
    location = response.headers.get("Location", "")
    return role == ANON and response.status_code == 302 and "/login?next=" in location


def test_every_endpoint_is_listed(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint != "static"}
    missing = sorted(endpoints - EXPECTED.keys())
    assert not missing, f"decide who may use these routes and add them to EXPECTED: {missing}"


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_route_is_reachable_only_by_allowed_roles(app, endpoint, make_user, make_org):
    params, committee = sample_params(app, make_user, make_org)
    rule = _rule_for(app, endpoint)
    with app.test_request_context():
        from flask import url_for
        url = url_for(endpoint, **{k: params[k] for k in rule.arguments})
    method = "GET" if "GET" in rule.methods else "POST"
    for role in ["anon", "learner", "instructor", "branch_lead", "admin"]:
        client = app.test_client()
        if role != ANON:
            user = make_user(role=USERS_FOR_ROLE[role],
                             org=committee if role == LEAD else None)
            assert login(client, user.username).status_code == 302
        if method == "GET":
            response = client.get(url)
        else:
            token = csrf_token(client, "/login" if role == ANON else "/home")
            response = client.post(url, data={"csrf_token": token})
        allowed = role in EXPECTED[endpoint]
        denied = _is_denied(role, response)
        assert response.status_code < 500, f"{endpoint} as {role}: {response.status_code}"
        if allowed:
            assert not denied, f"{endpoint} should be open to {role}: got {response.status_code}"
        else:
            assert denied, f"{endpoint} must be closed to {role}: got {response.status_code}"
