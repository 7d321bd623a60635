"""Authoring rough edges: the slug is tucked under 高级 (and generated from pinyin), the
language switch sits in the footer instead of beside 大字模式, the title shows once."""
import pytest

from mooc.extensions import db as _db
from tests.browser.shots import DESKTOP, shoot
from tests.catalog_factories import make_course, make_lesson
from tests.conftest import PHONE, assert_fits_width, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_slug_is_advanced_and_language_is_in_the_footer(open_page, make_user, size):
    make_user(username="polish-teacher", role="instructor")
    page = open_page(size)
    browser_login(page, "polish-teacher")
    page.goto("/author/courses/new")
    assert not page.locator("input[name=slug]").is_visible()
    page.click("details.advanced summary")
    assert page.locator("input[name=slug]").is_visible()
    assert page.locator(".prefs button:has-text('English')").count() == 0
    assert page.locator("footer button:has-text('English')").count() == 1
    assert_fits_width(page)
    shoot(page, "teacher-new-course")


def test_lesson_title_shown_once(open_page, make_user):
    make_user(username="polish-reader")
    course = make_course("标题课程", lessons=0)
    lesson = make_lesson(course, "学习党章", body="# 学习党章\n\n党章是党的根本大法。")
    url = f"/courses/{course.id}/lessons/{lesson.id}"
    _db.session.commit()
    page = open_page(PHONE)
    browser_login(page, "polish-reader")
    page.goto(url)
    assert page.locator("#main :is(h1, h2):has-text('学习党章')").count() == 1
