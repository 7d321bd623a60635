"""The quiz result page: chosen-and-right reads as right (green, ✓), chosen-and-wrong as
wrong, a correct option not chosen as its own state — each with words, not colour alone."""
import pytest

from mooc.extensions import db as _db
from tests.browser.shots import DESKTOP, shoot
from tests.conftest import PHONE, assert_fits_width, browser_login
from tests.quizzes.factories import make_quiz, multiple, single

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def colours(locator):
    return locator.evaluate("el => [getComputedStyle(el).borderTopColor, getComputedStyle(el).backgroundColor,"
                            " getComputedStyle(el).borderTopStyle]")


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_result_shows_three_distinct_states(open_page, make_user, size):
    make_user(username="result-learner", name="结果学员")
    course, lesson, _quiz = make_quiz([
        single("党的根本宗旨是（ ）。"),
        multiple("下列属于党的纪律的有（ ）。")])
    lesson_url = f"/courses/{course.id}/lessons/{lesson.id}"
    _db.session.commit()
    page = open_page(size)
    browser_login(page, "result-learner")
    page.goto(lesson_url)
    page.click("text=开始测验")
    page.wait_for_selector("#quiz-form")
    page.click("label.option:has-text('为人民服务')")           # right
    page.click("label.option:has-text('政治纪律')")             # right
    page.click("label.option:has-text('娱乐纪律')")             # wrong; 组织/廉洁纪律 missed
    page.wait_for_selector("#save-state:has-text('已自动保存')")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#submit-quiz")
    page.wait_for_selector("#score")
    assert "/result" in page.url

    right = page.locator("label.option:has-text('为人民服务')")
    wrong = page.locator("label.option:has-text('娱乐纪律')")
    missed = page.locator("label.option:has-text('组织纪律')")
    plain = page.locator("label.option:has-text('发展经济')")
    assert "您的选择 · 正确" in right.inner_text() and "✓" in right.inner_text()
    assert "您的选择 · 错误" in wrong.inner_text()
    assert "正确答案 · 您未选" in missed.inner_text()
    assert "正确" not in plain.inner_text() and "错误" not in plain.inner_text()
    # Chosen-and-right looks like right, never like wrong; each state looks different.
    assert colours(right) != colours(wrong)
    assert colours(right)[0] == "rgb(27, 94, 32)"  # var(--ok)
    assert colours(missed) not in (colours(right), colours(wrong))
    assert_fits_width(page)
    shoot(page, "learner-quiz-result")
