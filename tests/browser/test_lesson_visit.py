"""The lesson page's background /visit request finishes (its reply is read), so the page
reaches "network idle" and the browser keeps nothing open."""
import pytest

from mooc.catalog.models import Enrollment
from mooc.extensions import db as _db
from tests.browser.shots import DESKTOP
from tests.catalog_factories import make_course
from tests.conftest import PHONE, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_visit_request_completes(open_page, make_user, size):
    user = make_user(username="visit-learner")
    course = make_course("访问记录课程", lessons=2)
    _db.session.add(Enrollment(user_id=user.id, course_id=course.id))
    _db.session.commit()
    lesson_id = course.ordered_lessons()[1].id
    course_id = course.id
    _db.session.commit()
    page = open_page(size)
    browser_login(page, "visit-learner")
    finished = []
    page.on("requestfinished", lambda request: finished.append(request.url))
    page.goto(f"/courses/{course_id}", wait_until="networkidle")
    page.click(".course-head .actions a.button")
    page.wait_for_load_state("networkidle", timeout=8000)
    assert any(url.endswith("/visit") for url in finished), finished
    finished.clear()
    page.goto(f"/courses/{course_id}/lessons/{lesson_id}", wait_until="networkidle", timeout=8000)
    assert any(url.endswith("/visit") for url in finished), finished
