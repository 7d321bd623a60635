"""The number of SQL statements behind each dashboard page does not grow with members.

Counted with SQLAlchemy's before_cursor_execute event at 10 and then 1,000 generated
members (bulk-inserted): every page, filter, drill-down, export and reminder run must
issue exactly as many statements at both sizes. Aggregates are GROUP BY queries; a
per-member loop anywhere would show up here as hundreds of extra statements.
"""
import contextlib

from sqlalchemy import event

from mooc.accounts.models import User
from mooc.assignments import notifications
from mooc.dashboard import members, overview
from mooc.extensions import db
from tests.conftest import csrf_token, login
from tests.dashboard import data as gen


@contextlib.contextmanager
def counting():
    statements = []

    def before(_conn, _cursor, statement, *_args):
        statements.append(statement)
    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _measure(app, data, viewer, member_id):
    client = app.test_client()
    assert login(client, viewer.username).status_code == 302
    token = csrf_token(client, "/dashboard/")
    course = data.courses[0].id
    pages = {
        "overview": lambda: client.get("/dashboard/"),
        "overview-unit-course": lambda: client.get(
            f"/dashboard/?unit={data.b11.id}&course={course}"),
        "members": lambda: client.get("/dashboard/members"),
        "members-filtered": lambda: client.get(
            f"/dashboard/members?course={course}&status=overdue&sort=hours&dir=desc"),
        "members-past-the-end": lambda: client.get("/dashboard/members?page=9999"),
        "members-category": lambda: client.get(
            f"/dashboard/members?category=probationary&unit={data.b11.id}&sort=progress"),
        "member": lambda: client.get(f"/dashboard/members/{member_id}"),
        "export-members": lambda: client.post("/dashboard/export", data={
            "csrf_token": token, "view": "members", "fmt": "csv", "status": "overdue"}),
        "export-units": lambda: client.post("/dashboard/export", data={
            "csrf_token": token, "view": "units", "fmt": "xlsx"}),
        "assignments": lambda: client.get("/assignments/"),
    }
    counts = {}
    for name, request in pages.items():
        db.session.commit()
        with counting() as statements:
            response = request()
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(statements)
    with counting() as statements:
        overview.overview(viewer)
        members.member_page(viewer, members.MemberFilters())
    counts["services"] = len(statements)
    return counts


def _reminder_counts(data):
    db.session.commit()
    with counting() as statements:
        notifications.generate_due_reminders()
        notifications.remind_behind(data.lead1)
    db.session.rollback()
    return len(statements)


def test_statement_count_does_not_grow_with_members(app, make_user):
    data = gen.build_committee(courses=4)
    gen.assign(data)
    admin = make_user(role="admin")
    first = gen.bulk_members(data, 10, seed=1)
    gen.bulk_study(data, first, seed=2)
    # The drill-down needs a member both viewers may see: put one in 第一党支部.
    member = db.session.get(User, first[0])
    member.org_id, member.active = data.b11.id, True
    db.session.commit()
    member_id = member.id

    small = {who: _measure(app, data, viewer, member_id)
             for who, viewer in (("admin", admin), ("lead", data.lead1))}
    small_reminders = _reminder_counts(data)

    more = gen.bulk_members(data, 990, seed=3, prefix="n")
    gen.bulk_study(data, more, seed=4)
    assert db.session.scalar(db.select(db.func.count(User.id))) >= 1000
    large = {who: _measure(app, data, viewer, member_id)
             for who, viewer in (("admin", admin), ("lead", data.lead1))}
    large_reminders = _reminder_counts(data)

    assert large == small
    assert large_reminders == small_reminders
    # And the numbers are small in absolute terms, not merely constant.
    for counts in small.values():
        assert max(counts.values()) <= 30, counts
