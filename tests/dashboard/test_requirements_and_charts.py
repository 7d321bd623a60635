"""The SQL requirement mirrors hours.requirement_for; the SVG charts are safe and script-free."""
from sqlalchemy import select

from mooc.accounts.models import User
from mooc.dashboard import charts, queries
from mooc.extensions import db
from mooc.progress import hours
from mooc.progress.models import CommitteeMember


def test_sql_requirement_matches_python(make_org, make_user):
    unit = make_org()
    people = [make_user(org=unit, category=c) for c in
              ("full_member", "probationary", "candidate", "activist", "masses")]
    people.append(make_user(org=unit, role="branch_lead"))
    people.append(make_user(org=unit, role="instructor", category="masses"))
    committee = make_user(org=unit, category="masses")
    db.session.add(CommitteeMember(user_id=committee.id))
    people.append(committee)
    db.session.commit()
    for overrides in ({}, {"category:masses": 10, "role:branch_lead": 60, "committee": 70}):
        if overrides:
            hours.save_requirements(overrides, None)
            db.session.commit()
        sql = dict(db.session.execute(
            queries.from_members(select(User.id, queries.requirement_expression()))).all())
        for person in people:
            assert sql[person.id] == hours.requirement_for(person), (person.role, person.category)


def test_charts_escape_labels_and_fit_a_phone():
    svg = charts.hbar_chart("c1", [("<b>党支部</b>", 0.5, "50%"), ("空", None, "—")],
                            title="完成率 & 进度")
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "&amp;" in svg
    assert 'viewBox="0 0 320 ' in svg and "<script" not in svg
    column = charts.column_chart("c2", [("0–8", 3), ("8–16", 0)], title="学时")
    assert column.count("<rect") == 2
    line = charts.line_chart("c3", [("1/5", 0.1, "a"), ("1/12", 0.4, "b")], title="进度")
    assert "<polyline" in line and 'role="img"' in line
    assert "暂无数据" in charts.hbar_chart("c4", [], title="空")
