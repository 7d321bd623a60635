"""Study hours: the local calendar year, annual requirements and the settings page."""
from datetime import datetime

import pytest
from sqlalchemy import select

from mooc.core.models import AuditEvent
from mooc.extensions import db as _db
from mooc.progress import hours, services
from mooc.progress.models import CourseCompletion, HourRequirement
from tests.catalog_factories import make_course
from tests.conftest import csrf_token
from tests.progress.test_completion import complete_course


def complete_at(monkeypatch, moment, user, course):
    monkeypatch.setattr(services, "utcnow", lambda: moment)
    complete_course(user, course)
    monkeypatch.undo()


# --------------------------------------------------------------------------
# Years: Asia/Shanghai, not UTC
# --------------------------------------------------------------------------

@pytest.mark.parametrize("moment, year", [
    (datetime(2026, 12, 31, 20, 0), 2027),    # 04:00 on 1 January in Beijing
    (datetime(2026, 12, 31, 15, 59), 2026),   # 23:59 on New Year's Eve in Beijing
    (datetime(2027, 1, 1, 0, 30), 2027),
])
def test_hours_count_in_the_local_calendar_year(app, make_user, monkeypatch, moment, year):
    user = make_user()
    course = make_course(credit_hours=4)
    complete_at(monkeypatch, moment, user, course)
    [done] = _db.session.scalars(select(CourseCompletion)).all()
    assert done.completed_at == moment and done.year == year
    assert hours.hours_in_year(user, year) == 4.0
    assert hours.hours_in_year(user, year - 1) == 0.0 and hours.hours_in_year(user, year + 1) == 0


def test_hours_add_up_per_year_and_per_user(app, make_user, monkeypatch):
    alice, bob = make_user(), make_user()
    a, b = make_course(credit_hours=2), make_course(credit_hours=1.5)
    c = make_course(credit_hours=3)
    complete_at(monkeypatch, datetime(2026, 3, 1), alice, a)
    complete_at(monkeypatch, datetime(2026, 5, 1), alice, b)
    complete_at(monkeypatch, datetime(2027, 2, 1), alice, c)
    complete_at(monkeypatch, datetime(2026, 6, 1), bob, c)
    assert hours.hours_in_year(alice, 2026) == 3.5
    rows = dict(_db.session.execute(hours.hours_by_user_query(2026)).all())
    assert rows == {alice.id: 3.5, bob.id: 3.0}
    assert dict(_db.session.execute(hours.hours_by_user_query(2027)).all()) == {alice.id: 3.0}
    assert hours.years_with_hours(alice) == [2027, 2026]
    # The dashboard's use: outer-join every member, missing hours are 0.
    from sqlalchemy import func
    from mooc.accounts.models import User
    earned = hours.hours_by_user_query(2026).subquery()
    carol = make_user()
    table = dict(_db.session.execute(
        select(User.id, func.coalesce(earned.c.hours, 0.0))
        .outerjoin(earned, earned.c.user_id == User.id)
        .where(User.id.in_([alice.id, bob.id, carol.id]))).all())
    assert table == {alice.id: 3.5, bob.id: 3.0, carol.id: 0.0}


# --------------------------------------------------------------------------
# Requirements
# --------------------------------------------------------------------------

def test_default_requirements(app, make_user):
    assert hours.requirement_for(make_user(category="full_member")) == 32
    assert hours.requirement_for(make_user(category="probationary")) == 32
    assert hours.requirement_for(make_user(category="activist")) == 32
    lead = make_user(role="branch_lead")
    assert hours.requirement_for(lead) == 56


def test_committee_members_need_the_committee_hours(app, make_user):
    admin, member = make_user(role="admin"), make_user()
    assert hours.requirement_for(member) == 32
    hours.add_committee_member(member.username, admin)
    _db.session.commit()
    assert hours.requirement_for(member) == 56
    assert hours.requirements_for([member, admin]) == {member.id: 56, admin.id: 32}
    with pytest.raises(hours.RequirementError):
        hours.add_committee_member(member.username, admin)
    with pytest.raises(hours.RequirementError):
        hours.add_committee_member("nobody-here", admin)
    hours.remove_committee_member(member.id, admin)
    _db.session.commit()
    assert hours.requirement_for(member) == 32


def test_saved_rules_override_defaults_and_the_largest_rule_wins(app, make_user):
    admin = make_user(role="admin")
    lead = make_user(role="branch_lead", category="full_member")
    masses = make_user(category="masses")
    assert _db.session.scalar(select(HourRequirement)) is None  # nothing written by reading
    values = hours.requirement_rules()
    values.update({"category:masses": 0, "category:full_member": 60})
    changed = hours.save_requirements(values, admin)
    _db.session.commit()
    assert sorted(changed) == ["category:full_member", "category:masses"]
    assert len(_db.session.scalars(select(HourRequirement)).all()) == len(hours.rules())
    assert hours.requirement_for(masses) == 0
    assert hours.requirement_for(lead) == 60  # the member rule is now the larger one
    event = _db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "hours.requirements"))
    assert event.details["changes"]["category:masses"] == [32.0, 0.0]
    with pytest.raises(hours.RequirementError):
        hours.save_requirements({"category:masses": -1}, admin)


def test_year_hours_summary(app, make_user, monkeypatch):
    user = make_user()
    complete_at(monkeypatch, datetime(2026, 3, 1), user, make_course(credit_hours=30))
    summary = hours.year_hours(user, 2026)
    assert (summary.earned, summary.required, summary.remaining, summary.met) == (30, 32, 2, False)
    complete_at(monkeypatch, datetime(2026, 4, 1), user, make_course(credit_hours=2))
    assert hours.year_hours(user, 2026).met


@pytest.mark.parametrize("value, text", [(32.0, "32"), (1.5, "1.5"), (0.1 + 0.2, "0.3"),
                                         (None, "0"), ("x", "0"), (2.25, "2.25")])
def test_format_hours(value, text):
    assert hours.format_hours(value) == text


# --------------------------------------------------------------------------
# The settings page
# --------------------------------------------------------------------------

def test_admin_sets_requirements_on_the_page(app, client, login_as):
    login_as(role="admin")
    page = client.get("/admin/hours")
    assert page.status_code == 200 and "支部书记" in page.get_data(as_text=True)
    token = csrf_token(client, "/admin/hours")
    data = {"csrf_token": token}
    for rule in hours.rules():
        data[rule.key.replace(":", "__")] = str(rule.default)
    data["role__branch_lead"] = "60"
    response = client.post("/admin/hours", data=data)
    assert response.status_code == 302
    assert hours.requirement_rules()["role:branch_lead"] == 60
    # Bad input re-shows the form with a message, never a 500.
    data["role__branch_lead"] = "很多"
    response = client.post("/admin/hours", data=data)
    assert response.status_code == 200 and "field-error" in response.get_data(as_text=True)
    data["role__branch_lead"] = "-5"
    assert client.post("/admin/hours", data=data).status_code == 200
    assert hours.requirement_rules()["role:branch_lead"] == 60


def test_admin_manages_committee_members_on_the_page(app, client, login_as, make_user):
    login_as(role="admin")
    member = make_user(username="weiyuan", name="王委员")
    token = csrf_token(client, "/admin/hours")
    response = client.post("/admin/hours/committee", data={"csrf_token": token,
                                                            "member-username": "weiyuan"},
                           follow_redirects=True)
    assert "已将 王委员 加入党委委员名单" in response.get_data(as_text=True)
    assert hours.committee_ids() == {member.id}
    response = client.post("/admin/hours/committee", data={"csrf_token": token,
                                                            "member-username": "nobody"},
                           follow_redirects=True)
    assert "找不到该账号" in response.get_data(as_text=True)
    response = client.post(f"/admin/hours/committee/{member.id}/remove",
                           data={"csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200 and hours.committee_ids() == set()


def test_learners_cannot_change_requirements(app, client, login_as):
    login_as()
    assert client.get("/admin/hours").status_code == 403
    token = csrf_token(client, "/home")
    assert client.post("/admin/hours/committee", data={"csrf_token": token,
                                                       "member-username": "x"}).status_code == 403
