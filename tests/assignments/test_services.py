"""Creating, changing and removing assignments: who may, what is refused, what is audited."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from mooc.assignments import audience, services
from mooc.assignments.services import AssignmentError
from mooc.core.models import AuditEvent
from mooc.extensions import db
from tests.catalog_factories import make_course


@pytest.fixture
def setup(make_org, make_user):
    committee = make_org("党委", "committee")
    g1 = make_org("第一党总支", "general_branch", committee)
    g2 = make_org("第二党总支", "general_branch", committee)
    lead = make_user(role="branch_lead", org=g1)
    admin = make_user(role="admin")
    return {"committee": committee, "g1": g1, "g2": g2, "lead": lead, "admin": admin,
            "course": make_course()}


def _make(actor, course, org, **kw):
    today = audience.today()
    return services.create_assignment(actor, course=course, org=org,
                                      categories=kw.get("categories", ()),
                                      starts_on=kw.get("starts_on", today),
                                      due_on=kw.get("due_on", today + timedelta(days=10)))


def test_lead_assigns_within_subtree_and_it_is_audited(setup):
    assignment = _make(setup["lead"], setup["course"], setup["g1"], categories=["probationary"])
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.create"))
    assert event.actor_id == setup["lead"].id and event.target_id == str(assignment.id)
    assert event.details["categories"] == ["probationary"]
    assert "预备党员" in event.summary


@pytest.mark.parametrize("target, message", [("g2", "本组织"), ("committee", "本组织"),
                                             (None, "管理员")])
def test_lead_cannot_assign_outside_subtree(setup, target, message):
    with pytest.raises(AssignmentError, match=message):
        _make(setup["lead"], setup["course"], setup[target] if target else None)


def test_admin_assigns_site_wide(setup):
    assert _make(setup["admin"], setup["course"], None).org_id is None


def test_rules(setup):
    today = audience.today()
    with pytest.raises(AssignmentError, match="截止日期不能早于开始日期"):
        _make(setup["admin"], setup["course"], None, starts_on=today,
              due_on=today - timedelta(days=1))
    draft = make_course(published=False)
    with pytest.raises(AssignmentError, match="已发布"):
        _make(setup["admin"], draft, None)
    with pytest.raises(AssignmentError, match="政治面貌"):
        _make(setup["admin"], setup["course"], None, categories=["nonsense"])


def test_lead_cannot_change_an_admins_assignment(setup):
    assignment = _make(setup["admin"], setup["course"], None)
    db.session.commit()
    today = audience.today()
    with pytest.raises(AssignmentError):
        services.update_assignment(setup["lead"], assignment, course=setup["course"],
                                   org=setup["g1"], starts_on=today, due_on=today)
    with pytest.raises(AssignmentError):
        services.delete_assignment(setup["lead"], assignment)
    services.update_assignment(setup["admin"], assignment, course=setup["course"],
                               org=setup["g2"], starts_on=today, due_on=today)
    services.delete_assignment(setup["admin"], assignment)
    db.session.commit()
    actions = list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("assignment.%")).order_by(AuditEvent.id)))
    assert actions == ["assignment.create", "assignment.update", "assignment.delete"]


def test_lead_sees_assignments_reaching_their_subtree(setup):
    mine = _make(setup["lead"], setup["course"], setup["g1"])
    site = _make(setup["admin"], setup["course"], None)
    above = _make(setup["admin"], setup["course"], setup["committee"])
    elsewhere = _make(setup["admin"], setup["course"], setup["g2"])
    db.session.commit()
    seen = {a.id for a in services.assignments_for(setup["lead"])}
    assert seen == {mine.id, site.id, above.id}
    assert elsewhere.id not in seen
    assert len(services.assignments_for(setup["admin"])) == 4
