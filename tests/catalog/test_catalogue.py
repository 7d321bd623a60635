"""The learner's catalogue, course page, enrolment and "continue where I left off"."""
import re

import pytest

from mooc.catalog.models import Enrollment, Lesson
from mooc.extensions import db as _db
from mooc.progress import services as progress
from tests.catalog_factories import make_course
from tests.conftest import csrf_token


def titles(response):
    return re.findall(r"<h2>([^<]+)</h2>", response.get_data(as_text=True))


@pytest.fixture
def catalogue(make_org):
    unit = make_org("第一党支部")
    return {
        "theory": make_course("理论必修课", category="theory", course_type="required"),
        "history": make_course("党史选修课", category="history", course_type="elective"),
        "targeted": make_course("支部专题课", category="practice", visibility="restricted",
                                orgs=[unit]),
        "draft": make_course("草稿课程", published=False),
    }, unit


def test_catalogue_lists_visible_published_courses(client, login_as, catalogue):
    _courses, unit = catalogue
    login_as(org=unit)
    listed = titles(client.get("/courses"))
    assert sorted(listed) == sorted(["理论必修课", "党史选修课", "支部专题课"])
    assert listed[0] == "理论必修课"  # required courses first


def test_catalogue_filters(client, login_as, catalogue):
    _courses, unit = catalogue
    login_as(org=unit)
    assert titles(client.get("/courses?category=history")) == ["党史选修课"]
    assert titles(client.get("/courses?course_type=required")) == ["理论必修课"]
    assert titles(client.get(f"/courses?org={unit.id}")) == ["支部专题课"]
    assert titles(client.get("/courses?q=党史")) == ["党史选修课"]
    assert titles(client.get("/courses?mine=1")) == []


def test_catalogue_ignores_nonsense(client, login_as, catalogue):
    login_as()
    for query in ("?category=nope", "?org=abc", "?org=999999", "?page=-1", "?page=abc",
                  "?q=%25_%5C" + "x" * 300, "?mine=maybe", "?course_type=x"):
        assert client.get("/courses" + query).status_code == 200, query


def test_catalogue_pages(client, login_as):
    login_as()
    for i in range(14):
        make_course(f"课程{i:02d}")
    first, second = client.get("/courses"), client.get("/courses?page=2")
    assert len(titles(first)) == 12 and len(titles(second)) == 2
    assert "第 1 / 2 页" in first.get_data(as_text=True)


def test_self_enrolment(client, login_as, catalogue):
    courses, _unit = catalogue
    user = login_as()
    course = courses["theory"]
    page = client.get(f"/courses/{course.id}").get_data(as_text=True)
    # One primary action: 开始学习 enrols (报名) and opens the first lesson.
    assert "开始学习" in page and "报名学习" not in page and page.count("primary-action") == 1
    first = _db.session.scalar(_db.select(Lesson.id).filter_by(course_id=course.id))
    start = client.post(f"/courses/{course.id}/enrol", data={
        "csrf_token": csrf_token(client, f"/courses/{course.id}"), "start_lesson": first})
    assert start.headers["Location"].endswith(f"/courses/{course.id}/lessons/{first}")
    for _ in range(2):  # a double click enrols once
        response = client.post(f"/courses/{course.id}/enrol",
                               data={"csrf_token": csrf_token(client, f"/courses/{course.id}")},
                               follow_redirects=True)
    assert "您已报名本课程" in response.get_data(as_text=True)
    assert _db.session.scalar(_db.select(_db.func.count(Enrollment.id)).filter_by(
        user_id=user.id)) == 1
    assert "报名学习" not in client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert titles(client.get("/courses?mine=1")) == ["理论必修课"]


def test_enrolment_needs_a_csrf_token_and_a_post(client, login_as, catalogue):
    courses, _unit = catalogue
    login_as()
    course = courses["theory"]
    assert client.post(f"/courses/{course.id}/enrol").status_code == 400
    assert client.get(f"/courses/{course.id}/enrol").status_code == 405


def test_course_page_shows_progress_and_continue(client, login_as):
    course = make_course(lessons=3)
    user = login_as()
    first, second, third = course.ordered_lessons()
    client.post(f"/courses/{course.id}/enrol",
                data={"csrf_token": csrf_token(client, f"/courses/{course.id}")})
    progress.record_progress(user, first, 1.0)
    _db.session.commit()
    page = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert "已完成 1 / 3 个课时" in page and "33%" in page
    resume = re.search(r'href="([^"]+)">继续学习', page).group(1)
    assert resume.endswith(f"/lessons/{second.id}")
    # The reader reports the lesson it opened; "continue" returns there.
    token = csrf_token(client, f"/courses/{course.id}")
    response = client.post(f"/courses/{course.id}/lessons/{third.id}/visit",
                           headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.get_json() == {"recorded": True}
    page = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert re.search(r'href="([^"]+)">继续学习', page).group(1).endswith(f"/lessons/{third.id}")


def test_lesson_page_has_neighbours_and_attachments_section(client, login_as):
    course = make_course(lessons=3)
    login_as()
    first, second, third = course.ordered_lessons()
    page = client.get(f"/courses/{course.id}/lessons/{second.id}").get_data(as_text=True)
    assert f'rel="prev" href="/courses/{course.id}/lessons/{first.id}"' in page
    assert f'rel="next" href="/courses/{course.id}/lessons/{third.id}"' in page
    assert 'data-font="1"' in page and "js/reader.js" in page
    assert 'name="csrf-token"' in page


def test_wrong_course_in_lesson_url_is_404(client, login_as):
    one, two = make_course(), make_course()
    login_as()
    lesson = one.ordered_lessons()[0]
    assert client.get(f"/courses/{two.id}/lessons/{lesson.id}").status_code == 404
    assert client.get("/courses/99999999999999999999999").status_code == 404
    assert client.get("/courses/424242").status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, catalogue):
    courses, _unit = catalogue
    for url in ("/courses", f"/courses/{courses['theory'].id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
