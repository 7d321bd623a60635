"""The assignment screens: learners' 我的必修课, leads creating and editing, no 500s."""
from datetime import timedelta

from sqlalchemy import select

from mooc.assignments import audience
from mooc.assignments.models import Assignment
from mooc.extensions import db
from tests.assignments.factories import make_assignment
from tests.catalog_factories import make_course
from tests.conftest import csrf_token, login


def test_learner_sees_required_courses_with_deadlines(make_org, make_user, client):
    unit = make_org("第一党支部")
    member = make_user(org=unit, category="probationary")
    late, soon, other = make_course("逾期课程"), make_course("临期课程"), make_course("别人的课程")
    make_assignment(late, unit, starts_in=-20, due_in=-3)
    make_assignment(soon, unit, due_in=2)
    make_assignment(other, unit, categories=["candidate"])
    login(client, member.username)
    page = client.get("/assignments/").get_data(as_text=True)
    assert "我的必修课" in page
    assert page.index("逾期课程") < page.index("临期课程")
    assert "已逾期 3 天" in page and "还剩 2 天" in page
    assert "is-overdue" in page and "is-soon" in page
    assert "别人的课程" not in page
    assert "设置必修课程" not in page  # learners do not manage assignments


def test_lead_creates_an_assignment_with_the_form(make_org, make_user, client):
    g1 = make_org("第一党总支", "general_branch")
    g2 = make_org("第二党总支", "general_branch")
    lead = make_user(role="branch_lead", org=g1)
    course = make_course("必修课")
    login(client, lead.username)
    form_page = client.get("/assignments/new").get_data(as_text=True)
    assert "第二党总支" not in form_page and "全部组织（全站）" not in form_page
    token = csrf_token(client, "/assignments/new")
    today = audience.today()
    data = {"csrf_token": token, "course": str(course.id), "org": str(g1.id),
            "categories": ["probationary"], "starts_on": today.isoformat(),
            "due_on": (today + timedelta(days=30)).isoformat()}
    response = client.post("/assignments/new", data=data)
    assert response.status_code == 302
    assignment = db.session.scalar(select(Assignment))
    assert assignment.org_id == g1.id and assignment.category_list == ["probationary"]
    # Another subtree is not on offer; a forged value is refused without a 500.
    response = client.post("/assignments/new", data={**data, "org": str(g2.id)})
    assert response.status_code == 200 and "不是有效的选择" in response.get_data(as_text=True)
    bad = client.post("/assignments/new", data={**data, "due_on": "2001-01-01"})
    assert "截止日期不能早于开始日期" in bad.get_data(as_text=True)
    garbage = client.post("/assignments/new", data={**data, "starts_on": "明天",
                                                    "course": "x" * 30})
    assert garbage.status_code == 200
    assert db.session.scalar(select(db.func.count(Assignment.id))) == 1


def test_edit_and_delete_need_the_right_lead(make_org, make_user, client):
    g1 = make_org("第一党总支", "general_branch")
    g2 = make_org("第二党总支", "general_branch")
    lead = make_user(role="branch_lead", org=g1)
    site_wide = make_assignment(make_course(), None)
    theirs = make_assignment(make_course(), g2)
    mine = make_assignment(make_course(), g1)
    mine_id = mine.id
    login(client, lead.username)
    assert client.get(f"/assignments/{site_wide.id}/edit").status_code == 403  # seen, not theirs
    assert client.get(f"/assignments/{theirs.id}/edit").status_code == 404     # not even seen
    assert client.get(f"/assignments/{mine.id}/edit").status_code == 200
    token = csrf_token(client, f"/assignments/{mine.id}/edit")
    response = client.post(f"/assignments/{mine.id}/delete", data={"csrf_token": token})
    assert response.status_code == 302 and db.session.get(Assignment, mine.id) is not None
    response = client.post(f"/assignments/{mine_id}/delete",
                           data={"csrf_token": token, "delete-confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Assignment, mine_id) is None
    page = client.get("/assignments/").get_data(as_text=True)
    assert "全部组织" in page  # the site-wide one is listed for the lead


def test_lead_lands_on_the_dashboard(make_org, make_user, client):
    lead = make_user(role="branch_lead", org=make_org("第一党总支", "general_branch"))
    login(client, lead.username)
    response = client.get("/")
    assert response.headers["Location"].endswith("/dashboard/")
