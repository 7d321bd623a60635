"""Factories return saved objects with sensible defaults; override what a test cares about."""
import itertools

from mooc.accounts import services as accounts
from mooc.extensions import db
from mooc.org import services as org_services

PASSWORD = "pass1234"
_counter = itertools.count(1)


def make_org(name=None, kind="branch", parent=None):
    org = org_services.create_org(name or f"测试支部{next(_counter)}", kind, parent)
    db.session.commit()
    return org


def make_user(username=None, role="learner", org=None, category="full_member", name=None,
              password=PASSWORD, **fields):
    if org is None and role != "admin":
        org = make_org()
    n = next(_counter)
    fields.setdefault("check_strength", False)  # PASSWORD is short for speed, not strong
    user = accounts.create_user(username or f"user{n}", name or f"测试用户{n}", password,
                                role=role, category=category, org=org, **fields)
    db.session.commit()
    return user
