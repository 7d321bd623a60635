"""Taking a quiz on a 360 px phone: answer, reload (answers kept), submit, see the score."""
import pytest
from playwright.sync_api import expect

from mooc.extensions import db as _db
from mooc.quizzes.models import Attempt
from tests.conftest import PHONE, assert_fits_width, browser_login
from tests.quizzes.factories import fill, make_quiz, multiple, single, truefalse

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_take_a_quiz_on_a_phone(open_page, make_user):
    make_user(username="phone-learner", name="手机学员")
    course, lesson, _quiz = make_quiz([
        single("中国共产党的根本宗旨是（ ）。",
               options=["全心全意为人民服务", "实现共产主义", "发展社会生产力", "坚持依法治国"]),
        multiple("下列属于党的纪律的有（ ）。"),
        truefalse("年满十八岁的先进分子可以申请加入中国共产党。"),
        fill("中国共产党的最高理想和最终目标是实现____。")],
        one_per_page=True, time_limit_minutes=30)
    lesson_url = f"/courses/{course.id}/lessons/{lesson.id}"
    _db.session.commit()  # outside a request a transaction takes SQLite's write lock: end it
    page = open_page(PHONE)
    browser_login(page, "phone-learner")
    page.goto(lesson_url)
    assert_fits_width(page)
    page.click("text=开始测验")
    page.wait_for_selector("#quiz-form")
    assert_fits_width(page)
    assert page.locator("[data-countdown]").inner_text().startswith("29:") or \
        page.locator("[data-countdown]").inner_text().startswith("30:")

    # One question per screen: answer, step on, answer…
    page.click("section.question.current label.option:has-text('全心全意为人民服务')")
    page.wait_for_selector("#save-state:has-text('已自动保存')")
    page.click("[data-step='1']")
    for option in ("政治纪律", "组织纪律", "廉洁纪律"):
        page.click(f"section.question.current label.option:has-text('{option}')")
    page.click("[data-step='1']")
    page.click("section.question.current label.option:has-text('对')")
    page.click("[data-step='1']")
    page.fill("section.question.current input[type=text]", "共产主义")
    expect(page.locator(".navigator .nav-q.answered")).to_have_count(4)
    # The autosave queue drains: nothing is left waiting on this device.
    expect(page.locator("#save-state")).to_contain_text("已自动保存", timeout=10000)
    for _ in range(50):
        if page.evaluate("Object.keys(localStorage).length") == 0:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("Object.keys(localStorage).length") == 0
    assert_fits_width(page)

    # Reload: every answer comes back from the server.
    page.reload()
    page.wait_for_selector("#quiz-form")
    assert page.locator(".navigator .nav-q.answered").count() == 4
    assert page.locator("input[type=text]").input_value() == "共产主义"
    assert page.locator("input[type=radio][value='0']:checked").count() >= 1

    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#submit-quiz")
    page.wait_for_selector("#score")
    assert page.locator("#score").inner_text() == "100.0"
    assert "通过" in page.locator("#verdict").inner_text()
    assert_fits_width(page)
    assert _db.session.query(Attempt).one().score == 100.0
    _db.session.rollback()
