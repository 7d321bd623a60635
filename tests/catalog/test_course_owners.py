"""Issue 15: a course saved from the authoring screens always keeps an owner."""
from sqlalchemy import select

from mooc.catalog.models import Course
from mooc.extensions import db as _db
from tests.catalog.test_authoring import create_course, post, text
from tests.catalog_factories import make_course


def test_a_teacher_cannot_create_an_ownerless_course(client, login_as):
    login_as(role="instructor")
    response = create_course(client, owners=[])
    assert "课程至少要有一位负责人" in text(response)
    assert _db.session.scalar(select(Course)) is None


def test_an_owner_cannot_save_the_course_without_owners(client, login_as):
    admin_made = make_course()
    teacher = login_as(role="instructor")
    admin_made.owners = [teacher]
    _db.session.commit()
    url = f"/author/courses/{admin_made.id}/edit"
    response = post(client, url, {"title": admin_made.title, "category": "theory",
                                  "course_type": "required", "credit_hours": "1",
                                  "visibility": "open", "owners": []}, page=url)
    assert "负责人" in text(response)
    _db.session.expire_all()
    assert [o.id for o in admin_made.owners] == [teacher.id]
    assert client.get(f"/author/courses/{admin_made.id}").status_code == 200
