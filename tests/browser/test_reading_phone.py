"""A member on a 360 px phone finds a course, reads a text lesson, and sees progress."""
import time

import pytest

from mooc.catalog import reading
from tests.catalog_factories import make_course
from tests.conftest import PHONE, assert_fits_width, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_member_reads_a_lesson_on_a_phone(open_page, make_user, monkeypatch):
    make_user(username="phone-reader", name="手机读者")
    course = make_course("手机学习党章", lessons=2,
                         body="# 第一节\n\n党章是党的根本大法。\n\n| 项目 | 内容 |\n|---|---|\n| 总纲 | 性质与宗旨 |")
    page = open_page(PHONE)
    browser_login(page, "phone-reader")
    page.goto("/courses")
    assert_fits_width(page)
    page.click("text=手机学习党章")
    page.wait_for_load_state()
    assert "课程目录" in page.content()
    page.click("text=开始学习")   # enrols (a POST), then opens the first lesson
    page.wait_for_url("**/lessons/**")
    page.wait_for_load_state()
    assert_fits_width(page)
    # The button waits out the reading time, but only the server's clock counts: even
    # with the button forced on, an early claim is refused.
    enable = "document.querySelector('.complete-form button').disabled = false"
    page.evaluate(enable)
    page.click(".complete-form button")
    page.wait_for_load_state()
    assert "已完成 0 / 2 个课时" not in page.content()
    assert not page.is_visible("text=已于")
    monkeypatch.setattr(reading, "clock", lambda: time.time() + 3600)
    page.evaluate(enable)
    page.click(".complete-form button")
    page.wait_for_load_state()
    page.goto(f"/courses/{course.id}")
    assert "已完成 1 / 2 个课时" in page.content()
    assert_fits_width(page)
