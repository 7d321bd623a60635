"""Quiz authoring in one place: the quiz lesson's edit page warns while the quiz has no
questions and links to 测验设置, 题库 and an import that adds the questions to this quiz."""
import pytest

from mooc.extensions import db as _db
from tests.browser.shots import DESKTOP, shoot
from tests.catalog_factories import make_course, make_lesson
from tests.conftest import PHONE, assert_fits_width, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GIFT = """::q1:: 党的根本宗旨是？ {=全心全意为人民服务 ~实现共产主义 ~发展经济}

::q2:: 党的一大在上海召开。 {T}
"""


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_import_from_the_quiz_lesson_fills_the_quiz(open_page, make_user, tmp_path, size):
    teacher = make_user(username="quiz-author", role="instructor")
    course = make_course("测验课程", owner=teacher, lessons=1)
    lesson = make_lesson(course, "单元测验", kind="quiz", published=False)
    edit_url = f"/author/courses/{course.id}/lessons/{lesson.id}"
    learner_url = f"/courses/{course.id}/lessons/{lesson.id}"
    _db.session.commit()
    gift = tmp_path / "题目.gift"
    gift.write_text(GIFT, encoding="utf-8")

    page = open_page(size)
    browser_login(page, "quiz-author")
    page.goto(edit_url)
    assert page.locator("#quiz-author .quiz-empty").is_visible()
    assert page.locator("#quiz-author a:has-text('测验设置')").count() == 1
    assert page.locator("#quiz-author a:has-text('题库')").count() >= 1
    shoot(page, "teacher-quiz-lesson-empty")
    assert_fits_width(page)

    page.click("#quiz-author a:has-text('导入题目到本测验')")
    page.wait_for_load_state()
    assert "单元测验" in page.locator("#main").inner_text()
    page.set_input_files("input[type=file]", str(gift))
    page.click("#main form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#add_to_quiz").is_checked()
    page.click("#main form.stack button[type=submit]")
    page.wait_for_load_state()
    assert "已把 2 道题加入测验" in page.content()

    page.goto(edit_url)
    assert page.locator("#quiz-author .quiz-empty").count() == 0
    assert "试卷共 2 道题" in page.locator("#quiz-author").inner_text()
    page.goto(learner_url)
    assert "测验还没有设置题目" not in page.content()
    shoot(page, "teacher-quiz-lesson-ready")
