"""Audit additions: sign-ins, resets, edits, transfers, exports; a lead sees their subtree."""
import pytest
from sqlalchemy import select

from mooc.core.models import AuditEvent
from mooc.extensions import db as _db
from mooc.members import changes, services
from tests.conftest import login
from tests.members import world as world_module


@pytest.fixture
def world(app):
    return world_module.build()


def actions():
    return [e.action for e in _db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_sign_ins_are_recorded_with_unit_and_address(app, world):
    login(app.test_client(), "member1", "wrong-password")
    login(app.test_client(), "member1")
    events = _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.startswith("auth."))).all()
    assert [e.action for e in events] == ["auth.login_failed", "auth.login"]
    assert all(e.org_id == world.group.id and e.ip == "127.0.0.1" for e in events)


def test_lead_sees_their_subtree_and_can_filter_and_export(app, world):
    services.reset_member_password(world.lead, world.member)
    services.reset_member_password(world.other_lead, world.outsider)
    changes.start_transfer(world.lead, world.member, world.other)
    _db.session.commit()
    client = app.test_client()
    login(client, world.lead.username)
    page = client.get("/members/audit/").get_data(as_text=True)
    assert "member1" in page and "outsider" not in page
    page = client.get("/members/audit/?kind=member.").get_data(as_text=True)
    assert "发起转接" in page and "重置用户" not in page
    body = client.get("/members/audit/export.csv?q=member1").get_data(as_text=True)
    assert "member1" in body and "outsider" not in body
    assert "audit.export" in actions()
    admin = app.test_client()
    login(admin, world.admin.username)
    assert "outsider" in admin.get("/members/audit/").get_data(as_text=True)


def test_course_and_lesson_edits_are_audited(app, world):
    from mooc.catalog import services as catalog
    from tests.catalog_factories import make_course
    course = make_course("审计课程")
    catalog.update_course(course, world.admin, title="审计课程（修订）")
    catalog.update_lesson(course.ordered_lessons()[0], world.admin, title="第一课（修订）")
    _db.session.commit()
    assert {"course.update", "lesson.update"} <= set(actions())
