"""/home: the place to start for every role, in a fixed number of SQL statements."""
from mooc.catalog.models import Enrollment
from mooc.extensions import db as _db
from tests.catalog_factories import make_course
from tests.dashboard import data as gen
from tests.querycount import count_statements

# user, panels: continue (1) + year hours (3), required courses (3), new courses (1),
# unread notifications (1) — and a little slack, but never one per course.
LEARNER_BUDGET = 12


def enrol(user, courses):
    for course in courses:
        _db.session.add(Enrollment(user_id=user.id, course_id=course.id))
    _db.session.commit()


def home_statements(client):
    with count_statements(_db.engine) as statements:
        response = client.get("/home")
    assert response.status_code == 200
    return response.get_data(as_text=True), statements


def test_learner_home_shows_where_to_start_in_fixed_queries(client, login_as, make_user):
    data = gen.build_committee()
    gen.assign(data)
    member = login_as(org=data.b11, name="首页学员")
    enrol(member, data.courses[:1])
    gen.bulk_study(data, [member.id], seed=5)
    html, few = home_statements(client)
    for text in ("继续学习", "必修课程", "年学时", "新课与更新", data.courses[0].title):
        assert text in html, text
    assert "截止" in html
    # Many more courses and enrolments: the same number of statements.
    more = [make_course(f"选修课{i}", lessons=2) for i in range(6)]
    enrol(member, more)
    html, many = home_statements(client)
    assert "选修课" in html
    assert len(many) == len(few), many.describe()
    assert len(few) <= LEARNER_BUDGET, few.describe()


def test_instructor_home_lists_their_courses_and_what_waits(client, login_as):
    teacher = login_as(role="instructor", name="首页教员")
    make_course("我的草稿课", owner=teacher, published=False)
    make_course("我的已发布课", owner=teacher)
    html, statements = home_statements(client)
    assert "我的课程" in html and "我的草稿课" in html and "我的已发布课" in html
    assert "待处理" in html and "还是草稿" in html
    more_html, more = home_statements(client)
    assert len(more) == len(statements)


def test_lead_home_shows_the_branch_at_a_glance(client, login_as):  # noqa: D103
    data = gen.build_committee()
    gen.assign(data)
    ids = gen.bulk_members(data, 12, seed=3)
    gen.bulk_study(data, ids, seed=4)
    login_as(data.lead1)
    html, _statements = home_statements(client)
    assert "学习概况" in html and "必修完成率" in html and "第一党总支" in html
