"""The dashboard's numbers — on screen, in the services and in the exports — agree with
a plain-Python reading of the raw rows, for an admin and for a branch lead."""
import io

import pytest
from openpyxl import load_workbook

from mooc.assignments import audience
from mooc.dashboard import members, overview
from tests.conftest import login
from tests.dashboard import data as gen
from tests.dashboard.html import export, read_csv, table_rows


@pytest.fixture
def committee(app):
    data = gen.build_committee()
    gen.assign(data)
    ids = gen.bulk_members(data, 150, seed=7)
    gen.bulk_study(data, ids, seed=8)
    return data


def _check_units(overview, expected):
    assert {u.org.id for u in overview.units} == set(expected)
    for unit in overview.units:
        want = expected[unit.org.id]
        got = unit.total
        assert unit.members == want["members"], unit.name
        assert (got.assigned, got.completed, got.overdue) == \
            (want["assigned"], want["completed"], want["overdue"]), unit.name
        assert unit.hours == pytest.approx(want["hours"]), unit.name
        assert unit.met == want["met"], unit.name
        for course_id, cell in want["per_course"].items():
            mine = unit.courses[course_id]
            assert (mine.assigned, mine.completed, mine.overdue, mine.in_progress,
                    mine.not_started) == (cell["assigned"], cell["completed"], cell["overdue"],
                                          cell["in_progress"], cell["not_started"])
        assert set(unit.courses) == set(want["per_course"])


@pytest.mark.parametrize("who", ["admin", "lead"])
def test_overview_matches_raw_rows(committee, make_user, who):
    viewer = make_user(role="admin") if who == "admin" else committee.lead1
    root = None if who == "admin" else committee.g1
    on = audience.today()
    expected = gen.expected_units(gen.load_raw(), root, on)
    _check_units(overview.overview(viewer), expected)


def test_page_and_unit_export_show_the_same_numbers(committee, client):
    on = audience.today()
    expected = gen.expected_units(gen.load_raw(), committee.g1, on)
    login(client, committee.lead1.username)
    html = client.get("/dashboard/").get_data(as_text=True)
    rows = table_rows(html, "data-unit")
    assert set(map(int, rows)) == set(expected)
    for unit_id, cells in rows.items():
        want = expected[int(unit_id)]
        assert int(cells["成员"]) == want["members"]
        assert cells["完成率"] == f"{want['completed']}/{want['assigned']}"
        assert int(cells["逾期"]) == want["overdue"]
        assert float(cells["人均学时"]) == pytest.approx(
            want["hours"] / want["members"] if want["members"] else 0, abs=0.005)
        assert int(cells["学时达标"]) == want["met"]

    response = export(client, view="units", fmt="xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    table = list(sheet.iter_rows(values_only=True))
    header, body = table[0], table[1:]
    by_name = {row[0]: dict(zip(header, row)) for row in body}
    names = {u.id: u.name for u in gen.load_raw().units.values()}
    assert set(by_name) == {names[i] for i in expected}
    for unit_id, want in expected.items():
        row = by_name[names[unit_id]]
        assert (row["成员数"], row["应学人次"], row["已完成"], row["逾期人次"], row["学时达标人数"]) == \
            (want["members"], want["assigned"], want["completed"], want["overdue"], want["met"])


def test_member_export_matches_raw_rows(committee, client):
    on = audience.today()
    expected = gen.expected_members(gen.load_raw(), committee.g1, on)
    login(client, committee.lead1.username)
    response = export(client, view="members", fmt="csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    table = read_csv(response.data)
    header, body = table[0], table[1:]
    assert len(body) == len(expected)
    by_name = {row[0]: dict(zip(header, row)) for row in body}
    status_text = members.STATUS_TEXT
    for want in expected.values():
        row = by_name[want["name"]]
        assert int(row["必修课程数"]) == want["assigned"]
        assert int(row["已完成"]) == want["completed"]
        assert int(row["逾期"]) == want["overdue"]
        assert float(row["本年学时"]) == pytest.approx(want["hours"])
        assert row["状态"] == status_text[want["status"]]


@pytest.mark.parametrize("filters", [
    {}, {"status": "overdue"}, {"status": "completed"}, {"status": "none"},
    {"category": "probationary"}, {"course": 0, "status": "in_progress"},
    {"course": 1}, {"unit": "b11"}, {"unit": "b11", "status": "not_started"},
])
def test_member_table_filters(committee, client, filters):
    on = audience.today()
    raw = gen.load_raw()
    params = dict(filters)
    if "course" in params:
        params["course"] = committee.courses[params["course"]].id
    if "unit" in params:
        params["unit"] = getattr(committee, params["unit"]).id
    root = raw.units[params["unit"]] if "unit" in params else committee.g1
    expected = gen.expected_members(raw, root, on)
    if "course" in params:
        course_id = params["course"]
        keep = {}
        for member in raw.members:
            if member.id not in expected:
                continue
            due = gen.obligations_of(raw, member, on).get(course_id)
            if due is not None:
                keep[member.id] = dict(expected[member.id],
                                       status=gen.status_of(raw, member, course_id, due, on))
        expected = keep
    if "status" in params:
        expected = {k: v for k, v in expected.items() if v["status"] == params["status"]}
    if "category" in params:
        by_id = {m.id: m for m in raw.members}
        expected = {k: v for k, v in expected.items()
                    if by_id[k].category == params["category"]}
    login(client, committee.lead1.username)
    seen = {}
    page = 1
    while True:
        html = client.get("/dashboard/members", query_string={**params, "page": page}) \
            .get_data(as_text=True)
        rows = table_rows(html, "data-member")
        seen.update(rows)
        if f"page={page + 1}" not in html:
            break
        page += 1
    assert set(map(int, seen)) == set(expected)
    for member_id, cells in seen.items():
        assert cells["状态"] == expected[int(member_id)]["status"]


@pytest.mark.parametrize("sort", ["name", "unit", "hours", "progress", "overdue"])
def test_member_table_sorts_without_losing_rows(committee, make_user, sort):
    admin = make_user(role="admin")
    filters = members.MemberFilters(sort=sort, descending=True)
    first = members.member_page(admin, filters, page=1, per_page=40)
    rest = [members.member_page(admin, filters, page=p, per_page=40)
            for p in range(2, first.page.pages + 1)]
    rows = first.page.items + [r for page in rest for r in page.page.items]
    assert len(rows) == len({r.id for r in rows}) == first.page.total
    if sort == "hours":
        values = [r.hours for r in rows]
        assert values == sorted(values, reverse=True)
    if sort == "overdue":
        values = [r.overdue for r in rows]
        assert values == sorted(values, reverse=True)


def test_numbers_past_bit_31_and_past_one_mask(app, make_user):
    """Completion masks are 64-bit on every database: courses at bit 31 and beyond, and
    a second mask after MASK_BITS courses, count like the first ones."""
    from datetime import timedelta

    from mooc.assignments.models import Assignment
    from mooc.dashboard import queries
    from mooc.extensions import db
    data = gen.build_committee(courses=queries.MASK_BITS + 4)
    on = audience.today()
    db.session.add_all([Assignment(course_id=c.id, org_id=None, categories="",
                                   starts_on=on - timedelta(days=30),
                                   due_on=on + timedelta(days=-1 if i % 3 == 0 else 10))
                        for i, c in enumerate(data.courses)])
    db.session.commit()
    gen.bulk_study(data, gen.bulk_members(data, 30, seed=3), seed=4)
    admin = make_user(role="admin")
    raw = gen.load_raw()
    _check_units(overview.overview(admin), gen.expected_units(raw, None, on))
    expected = gen.expected_members(raw, None, on)
    rows = members.member_page(admin, members.MemberFilters(), per_page=200).page.items
    assert {r.id: (r.assigned, r.completed, r.overdue, r.status) for r in rows} == {
        k: (v["assigned"], v["completed"], v["overdue"], v["status"]) for k, v in expected.items()}
