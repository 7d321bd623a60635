"""Who sees which course: the audience rule in Python and SQL, and 404s for everyone else."""
import io

import pytest
from werkzeug.datastructures import FileStorage

from mooc.catalog import media
from mooc.catalog.permissions import can_view_course, can_view_lesson
from mooc.catalog.visibility import visible_courses_query
from mooc.extensions import db as _db
from tests.catalog_factories import make_course, make_lesson
from tests.conftest import csrf_token, login

PDF = b"%PDF-1.4\n" + b"0" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def world(make_org, make_user):
    committee = make_org("党委", "committee")
    general_a = make_org("第一党总支", "general_branch", committee)
    branch_a1 = make_org("第一党支部", "branch", general_a)
    general_b = make_org("第二党总支", "general_branch", committee)
    branch_b1 = make_org("第三党支部", "branch", general_b)
    users = {
        "a1_full": make_user("a1full", org=branch_a1),
        "a1_prob": make_user("a1prob", org=branch_a1, category="probationary"),
        "b1_full": make_user("b1full", org=branch_b1),
        "b1_prob": make_user("b1prob", org=branch_b1, category="probationary"),
        "committee": make_user("top", org=committee),
        "admin": make_user("boss", role="admin"),
        "teacher": make_user("teacher", role="instructor", org=branch_b1),
    }
    courses = {
        "open": make_course("公开课"),
        "org_a": make_course("第一党总支专题", visibility="restricted", orgs=[general_a]),
        "prob": make_course("预备党员培训", visibility="restricted",
                            categories=["probationary"]),
        "a_and_prob": make_course("总支预备党员", visibility="restricted", orgs=[general_a],
                                  categories=["probationary"]),
        "two_orgs": make_course("两个支部", visibility="restricted",
                                orgs=[branch_a1, branch_b1]),
        "draft": make_course("草稿课", published=False, owner=users["teacher"]),
    }
    return users, courses


# user → the courses they may see as a learner
EXPECTED = {
    "a1_full": {"open", "org_a", "two_orgs"},
    "a1_prob": {"open", "org_a", "prob", "a_and_prob", "two_orgs"},
    "b1_full": {"open", "two_orgs"},
    "b1_prob": {"open", "prob", "two_orgs"},
    "committee": {"open"},  # a unit above the chosen ones is not within them
    "admin": {"open", "org_a", "prob", "a_and_prob", "two_orgs"},
    "teacher": {"open", "two_orgs"},
}


def test_python_and_sql_agree_on_the_audience(world):
    users, courses = world
    names = {course.id: name for name, course in courses.items()}
    for user_name, user in users.items():
        in_sql = {names[c.id] for c in _db.session.scalars(visible_courses_query(user))}
        assert in_sql == EXPECTED[user_name], user_name
        in_python = {name for name, course in courses.items() if can_view_course(user, course)
                     and course.status == "published"}
        assert in_python == EXPECTED[user_name], user_name


def test_owners_and_admins_see_drafts_nobody_else(world):
    users, courses = world
    draft = courses["draft"]
    assert can_view_course(users["teacher"], draft) and can_view_course(users["admin"], draft)
    assert not any(can_view_course(users[n], draft) for n in ("a1_full", "committee"))


def test_unpublished_lesson_is_for_editors_only(world):
    users, courses = world
    hidden = make_lesson(courses["open"], "未发布课时", published=False)
    assert not can_view_lesson(users["a1_full"], hidden)
    assert can_view_lesson(users["admin"], hidden)


def _files(course, actor):
    lesson = course.ordered_lessons()[0]
    attachment = media.add_attachment(lesson, actor, FileStorage(io.BytesIO(PDF), "材料.pdf"))
    image, _url = media.add_course_image(course, actor, FileStorage(io.BytesIO(PNG), "图.png"))
    _db.session.commit()
    return lesson, attachment, image


def _urls(course, lesson, attachment, image):
    return [f"/courses/{course.id}", f"/courses/{course.id}/lessons/{lesson.id}",
            f"/attachments/{attachment.id}", f"/courses/{course.id}/media/{image.storage_key}"]


@pytest.mark.parametrize("course_name, outsider", [
    ("org_a", "b1_full"), ("prob", "a1_full"), ("a_and_prob", "a1_full"),
    ("a_and_prob", "b1_prob"), ("draft", "a1_prob"),
])
def test_outsiders_get_404_everywhere(app, world, course_name, outsider):
    users, courses = world
    course = courses[course_name]
    lesson, attachment, image = _files(course, users["admin"])
    client = app.test_client()
    login(client, users[outsider].username)
    for url in _urls(course, lesson, attachment, image):
        assert client.get(url).status_code == 404, url
    token = csrf_token(client, "/home")
    for action in ("enrol", f"lessons/{lesson.id}/complete", f"lessons/{lesson.id}/visit"):
        response = client.post(f"/courses/{course.id}/{action}", data={"csrf_token": token},
                               headers={"X-CSRFToken": token})
        assert response.status_code == 404, action
    listing = client.get("/courses").get_data(as_text=True)
    assert course.title not in listing


def test_insiders_get_everything(app, world):
    users, courses = world
    course = courses["a_and_prob"]
    lesson, attachment, image = _files(course, users["admin"])
    client = app.test_client()
    login(client, users["a1_prob"].username)
    for url in _urls(course, lesson, attachment, image):
        assert client.get(url).status_code == 200, url
    download = client.get(f"/attachments/{attachment.id}")
    assert download.data == PDF and "attachment" in download.headers["Content-Disposition"]
    assert course.title in client.get("/courses").get_data(as_text=True)


def test_unpublished_lesson_and_its_files_are_404_for_learners(app, world):
    users, courses = world
    hidden = make_lesson(courses["open"], "未发布课时", published=False)
    attachment = media.add_attachment(hidden, None, FileStorage(io.BytesIO(PDF), "a.pdf"))
    _db.session.commit()
    client = app.test_client()
    login(client, users["a1_full"].username)
    assert client.get(f"/courses/{courses['open'].id}/lessons/{hidden.id}").status_code == 404
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    assert "未发布课时" not in client.get(f"/courses/{courses['open'].id}").get_data(as_text=True)


def test_media_of_another_course_is_not_served_under_this_one(app, world):
    users, courses = world
    _lesson, _attachment, image = _files(courses["org_a"], users["admin"])
    client = app.test_client()
    login(client, users["b1_full"].username)
    # The open course's URL must not serve a restricted course's picture.
    url = f"/courses/{courses['open'].id}/media/{image.storage_key}"
    assert client.get(url).status_code == 404
    assert client.get(f"/courses/{courses['open'].id}/media/../../etc/passwd").status_code == 404


def test_restricted_course_needs_an_audience(app, world):
    from mooc.catalog import services
    users, _courses = world
    with pytest.raises(services.CatalogError, match="至少要选择一个组织或一种政治面貌"):
        services.create_course(users["admin"], title="没人能看", visibility="restricted")


def test_merging_units_keeps_course_audiences(app, world, make_org):
    from mooc.org import services as org_services
    users, courses = world
    general_a = courses["org_a"].orgs[0]
    general_b = users["b1_full"].org.parent
    org_services.merge_org(general_a, general_b)
    _db.session.commit()
    _db.session.expire_all()
    assert [o.id for o in courses["org_a"].orgs] == [general_b.id]
    assert can_view_course(users["b1_full"], courses["org_a"])
