"""The course page has one primary action: 开始学习 enrols and opens the first lesson;
afterwards the same place says 继续学习."""
import pytest

from mooc.extensions import db as _db
from tests.browser.shots import DESKTOP, shoot
from tests.catalog_factories import make_course
from tests.conftest import PHONE, assert_fits_width, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_one_primary_action(open_page, make_user, size):
    make_user(username="course-learner")
    course = make_course("一个按钮的课程", lessons=2)
    course_url = f"/courses/{course.id}"
    _db.session.commit()  # reading course.id began a transaction: end it (SQLite's lock)
    page = open_page(size)
    browser_login(page, "course-learner")
    page.goto(course_url)
    actions = page.locator(".course-head .actions").locator("button, a.button")
    assert actions.count() == 1
    assert actions.first.inner_text() == "开始学习"
    shoot(page, "learner-course")
    assert_fits_width(page)
    actions.first.click()
    page.wait_for_load_state()
    assert "/lessons/" in page.url
    page.goto(course_url)
    actions = page.locator(".course-head .actions").locator("button, a.button")
    assert actions.count() == 1
    assert actions.first.inner_text() in ("继续学习", "开始学习")
    assert page.locator(".course-head .actions form").count() == 0  # enrolled now
