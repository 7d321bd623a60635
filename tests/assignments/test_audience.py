"""Audience matching: the Python rule and the SQL conditions agree on a full matrix."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from mooc.accounts.models import User
from mooc.assignments import audience, services
from mooc.assignments.audience import MemberOrg
from mooc.assignments.models import Assignment, categories_text
from mooc.extensions import db
from mooc.org import services as org_services
from tests.assignments.factories import make_assignment
from tests.catalog_factories import make_course


@pytest.fixture
def tree(make_org):
    committee = make_org("党委", "committee")
    g1 = make_org("第一党总支", "general_branch", committee)
    g2 = make_org("第二党总支", "general_branch", committee)
    b11 = make_org("第一党支部", "branch", g1)
    b21 = make_org("第三党支部", "branch", g2)
    # A unit whose id-path shares a prefix with g1's ("/1/2/" vs "/1/23/") must not match.
    return {"committee": committee, "g1": g1, "g2": g2, "b11": b11, "b21": b21}


@pytest.fixture
def people(tree, make_user):
    made = {}
    for unit in ("committee", "g1", "g2", "b11", "b21"):
        for category in ("full_member", "probationary", "masses"):
            made[(unit, category)] = make_user(org=tree[unit], category=category)
    made["inactive"] = make_user(org=tree["b11"], category="probationary")
    made["inactive"].active = False
    made["no-unit"] = make_user(role="admin")
    db.session.commit()
    return made


def sql_audience(assignment):
    return set(db.session.scalars(
        select(User.id).select_from(User).join(MemberOrg, MemberOrg.id == User.org_id)
        .where(audience.match_condition(assignment))))


@pytest.mark.parametrize("target, categories", [
    (None, ()), (None, ("probationary",)), ("committee", ()), ("g1", ()),
    ("g1", ("probationary",)), ("b11", ("probationary", "masses")), ("b21", ()),
    ("g2", ("full_member",)),
])
def test_python_and_sql_agree(tree, people, target, categories):
    course = make_course()
    assignment = make_assignment(course, tree[target] if target else None, categories)
    in_sql = sql_audience(assignment)
    for user in people.values():
        assert audience.applies_to(assignment, user) == (user.id in in_sql), user
    # and the expected members by hand
    expected = {u.id for key, u in people.items()
                if isinstance(key, tuple)
                and (target is None or tree[key[0]].is_within(tree[target]))
                and (not categories or key[1] in categories)}
    assert in_sql == expected


def test_prefix_sibling_paths_do_not_match(make_org, make_user):
    """A unit '/1/2/' must not contain its sibling '/1/23/' (the range stops at '/1/20')."""
    root = make_org("根", "committee")
    units = [make_org(f"支部{i}", "branch", root) for i in range(25)]
    short, longer = next((a, b) for a in units for b in units
                         if a is not b and str(b.id).startswith(str(a.id)))
    assert longer.path.startswith(short.path[:-1])  # the trap a LIKE 'path%' would fall in
    member = make_user(org=longer)
    assignment = make_assignment(make_course(), short)
    assert member.id not in sql_audience(assignment)
    assert not audience.applies_to(assignment, member)


def test_plan_only_has_live_assignments(tree):
    live = make_assignment(make_course(), tree["g1"])
    make_assignment(make_course(), tree["g1"], starts_in=3)          # not started yet
    hidden = make_course()
    make_assignment(hidden, tree["g1"])
    hidden.status = "draft"                                          # course taken offline
    db.session.commit()
    assert [a.id for a in audience.load_plan().assignments] == [live.id]


def test_required_for_dedupes_by_course_and_takes_the_earliest_deadline(tree, people):
    course = make_course(lessons=2)
    make_assignment(course, None, due_in=30)
    make_assignment(course, tree["g1"], due_in=5)
    member = people[("b11", "full_member")]
    items = services.required_for(member)
    assert [(i.course.id, i.due_on) for i in items] == \
        [(course.id, audience.today() + timedelta(days=5))]
    outsider = people[("g2", "full_member")]
    assert services.required_for(outsider)[0].due_on == audience.today() + timedelta(days=30)


def test_required_for_statuses(tree, people):
    from mooc.progress import services as progress
    from mooc.progress.models import CourseCompletion
    from mooc.core.models import utcnow
    member = people[("b11", "probationary")]
    soon, late, begun, done = (make_course(f"课程{i}", lessons=2) for i in range(4))
    make_assignment(soon, tree["g1"], due_in=3)
    make_assignment(late, tree["g1"], due_in=-2, starts_in=-30)
    make_assignment(begun, tree["g1"], due_in=20)
    make_assignment(done, tree["g1"], due_in=-2, starts_in=-30)
    progress.record_progress(member, begun.ordered_lessons()[0], 0.4)
    db.session.add(CourseCompletion(user_id=member.id, course_id=done.id, completed_at=utcnow(),
                                    year=audience.today().year, hours=1.0))
    db.session.commit()
    got = {item.course.title: item for item in services.required_for(member)}
    assert got["课程0"].status == "not_started" and got["课程0"].due_soon
    assert got["课程1"].status == "overdue" and got["课程1"].is_overdue
    assert got["课程2"].status == "in_progress" and not got["课程2"].due_soon
    assert got["课程3"].status == "completed"
    # overdue first, completed last
    assert list(got)[0] == "课程1" and list(got)[-1] == "课程3"
    assert services.required_for(people["inactive"]) == []
    assert services.required_for(people["no-unit"]) == []


def test_due_items_feed_the_learning_page(tree, people):
    course = make_course()
    make_assignment(course, tree["g1"], due_in=-1, starts_in=-9)
    member = people[("g1", "masses")]
    assert services.due_items(member) == [(course, audience.today() - timedelta(days=1), True)]
    from mooc.core.registry import contributions
    assert services.due_items in contributions().due_sources


def test_merging_a_unit_moves_its_assignments(tree):
    assignment = make_assignment(make_course(), tree["b21"])
    org_services.merge_org(tree["b21"], tree["b11"])
    db.session.commit()
    assert db.session.get(Assignment, assignment.id).org_id == tree["b11"].id


def test_categories_text_round_trip():
    assert categories_text(["probationary", "candidate", "probationary"]) == \
        "|candidate|probationary|"
    assert categories_text([]) == ""
