"""A branch lead of a 党总支 sees exactly their subtree: pages, drill-down, exports."""
import pytest
from sqlalchemy import select

from mooc.accounts.models import User
from mooc.dashboard import scope
from mooc.extensions import db
from mooc.org.models import Organisation
from tests.conftest import login
from tests.dashboard import data as gen
from tests.dashboard.html import export, read_csv, table_rows


@pytest.fixture
def committee(app):
    data = gen.build_committee()
    gen.assign(data)
    ids = gen.bulk_members(data, 60, seed=11)
    gen.bulk_study(data, ids, seed=12)
    return data


def _members_of(unit):
    """Active members of `unit`'s subtree, read plainly from the rows."""
    return list(db.session.scalars(
        select(User).join(Organisation, Organisation.id == User.org_id)
        .where(User.active.is_(True), Organisation.path.startswith(unit.path))))


def test_lead_pages_show_their_subtree_only(committee, client):
    inside, outside = _members_of(committee.g1), _members_of(committee.g2)
    assert inside and outside
    login(client, committee.lead1.username)
    overview = client.get("/dashboard/").get_data(as_text=True)
    assert "第一党总支" in overview and "第一党小组" in overview
    assert "第二党总支" not in overview and "第三党支部" not in overview
    # Asking for the other 党总支 by id shows the lead's own numbers, nothing of theirs.
    forged = client.get(f"/dashboard/?unit={committee.g2.id}").get_data(as_text=True)
    assert "第三党支部" not in forged
    assert set(table_rows(forged, "data-unit")) == set(table_rows(overview, "data-unit"))

    listed = {}
    page = 1
    while True:
        html = client.get(f"/dashboard/members?page={page}").get_data(as_text=True)
        listed.update(table_rows(html, "data-member"))
        if f"page={page + 1}" not in html:
            break
        page += 1
    assert set(map(int, listed)) == {u.id for u in inside}
    forged = client.get(f"/dashboard/members?unit={committee.b21.id}").get_data(as_text=True)
    assert all(int(i) in {u.id for u in inside} for i in table_rows(forged, "data-member"))


def test_drill_down_into_an_outsider_is_404(committee, client):
    insider, outsider = _members_of(committee.b11)[0], _members_of(committee.b21)[0]
    login(client, committee.lead1.username)
    assert client.get(f"/dashboard/members/{insider.id}").status_code == 200
    assert client.get(f"/dashboard/members/{outsider.id}").status_code == 404
    assert client.get(f"/dashboard/members/{committee.lead2.id}").status_code == 404
    assert client.get("/dashboard/members/999999").status_code == 404
    assert client.get(f"/dashboard/members/{2 ** 64}").status_code == 404


def test_exports_stay_inside_the_subtree(committee, client):
    login(client, committee.lead1.username)
    names = {u.name for u in _members_of(committee.g1)}
    for filters in ({}, {"unit": committee.g2.id}, {"unit": committee.b21.id}):
        rows = read_csv(export(client, "members", "csv", **filters).data)[1:]
        assert {row[0] for row in rows} <= names
        assert {row[0] for row in rows} == names or filters
    units = read_csv(export(client, "units", "csv", unit=committee.g2.id).data)[1:]
    assert {row[0] for row in units} == {"第一党总支", "第一党支部", "第二党支部", "第一党小组"}


def test_admin_sees_everything_and_learners_nothing(committee, client, make_user):
    admin = make_user(role="admin")
    login(client, admin.username)
    html = client.get("/dashboard/").get_data(as_text=True)
    assert "第一党总支" in html and "第二党总支" in html
    outsider = _members_of(committee.b21)[0]
    assert client.get(f"/dashboard/members/{outsider.id}").status_code == 200
    learner = _members_of(committee.b11)[0]
    other = client.application.test_client()
    login(other, learner.username)
    assert other.get("/dashboard/").status_code == 403
    assert other.get(f"/dashboard/members/{learner.id}").status_code == 403


def test_lead_without_a_unit_gets_403(client, make_user):
    lead = make_user(role="branch_lead")
    lead.org = None
    db.session.commit()
    login(client, lead.username)
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/dashboard/members").status_code == 403
    with pytest.raises(scope.NoScope):
        scope.scope_for(lead)


@pytest.mark.parametrize("query", [
    "unit=abc&course=-1", "unit=99999999999999999999999&course=1e9", "unit=&course=",
    "course=%00", "unit=1;drop", "unit=%C2%B2&course=%EF%BC%91",
])
def test_bad_overview_filters_are_ignored(committee, client, query):
    login(client, committee.lead1.username)
    response = client.get(f"/dashboard/?{query}")
    assert response.status_code == 200
    assert "第一党总支" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "page=-5", "page=abc", "page=99999999", "sort=evil&dir=sideways", "status=bogus",
    "category=%E2%80%AE", "course=99999999999999999999999", "unit=x&course=y&status=z",
])
def test_bad_member_filters_are_ignored(committee, client, query):
    login(client, committee.lead1.username)
    assert client.get(f"/dashboard/members?{query}").status_code == 200


def test_bad_export_requests(committee, client):
    login(client, committee.lead1.username)
    assert client.post("/dashboard/export", data={"view": "members"}).status_code == 400
    response = export(client, view="nonsense", fmt="pdf", status="bogus", sort="x")
    assert response.status_code == 200  # unknown view/format fall back to members/xlsx
    assert response.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert client.get("/dashboard/export").status_code == 405
