"""Stale ("zombie") courses: published, but content untouched for STALE_COURSE_MONTHS."""
from datetime import datetime

from mooc.catalog import services
from mooc.extensions import db as _db
from tests.catalog_factories import make_course


def age(course, when):
    course.content_updated_at = when
    _db.session.commit()


def test_stale_listing_uses_calendar_months(app):
    old, fresh, draft = make_course("老课程"), make_course("新课程"), \
        make_course("旧草稿", published=False)
    age(old, datetime(2024, 2, 28, 12))
    age(fresh, datetime(2024, 3, 1))
    age(draft, datetime(2020, 1, 1))
    courses, cutoff = services.stale_courses(12, now=datetime(2025, 2, 28, 13))
    assert cutoff == datetime(2024, 2, 28, 13)
    assert [c.title for c in courses] == ["老课程"]
    # 31 March minus one month is the end of February, not an error.
    assert services.stale_courses(1, now=datetime(2024, 3, 31))[1] == datetime(2024, 2, 29)


def test_editing_content_makes_a_course_fresh_but_publishing_does_not(app):
    course = make_course("老课程")
    age(course, datetime(2020, 1, 1))
    services.unpublish_course(course, None)
    services.publish_course(course, None)
    _db.session.commit()
    assert course.content_updated_at == datetime(2020, 1, 1)
    services.update_lesson(course.ordered_lessons()[0], None, body="更新后的内容")
    _db.session.commit()
    assert course.content_updated_at.year > 2020


def test_admin_page_and_navigation(client, login_as):
    course = make_course("很久没更新")
    age(course, datetime(2019, 5, 1))
    make_course("最近更新")
    login_as(role="admin")
    page = client.get("/admin/courses/stale").get_data(as_text=True)
    assert "很久没更新" in page and "2019-05-01" in page and "最近更新" not in page
    assert 'href="/admin/courses/stale"' in client.get("/home").get_data(as_text=True)


def test_non_admins_cannot_see_the_page(client, login_as):
    login_as(role="instructor")
    assert client.get("/admin/courses/stale").status_code == 403
    assert 'href="/admin/courses/stale"' not in client.get("/home").get_data(as_text=True)


def test_cli_prints_the_same_list(app):
    course = make_course("很久没更新")
    age(course, datetime(2019, 5, 1))
    make_course("最近更新")
    result = app.test_cli_runner().invoke(args=["courses", "stale"])
    assert result.exit_code == 0, result.output
    assert "很久没更新" in result.output and "最近更新" not in result.output
    result = app.test_cli_runner().invoke(args=["courses", "stale", "--months", "1000"])
    assert "没有超过 1000 个月未更新" in result.output
