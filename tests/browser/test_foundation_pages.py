"""Real Chromium at phone (360 px) and laptop sizes: sign in, navigate, switch language."""
import pytest

from tests.conftest import LAPTOP, PHONE, assert_fits_width, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_member_signs_in_and_sees_home(open_page, make_user, size):
    make_user(username="browser-member", name="浏览器党员")
    page = open_page(size)
    page.goto("/login")
    assert "登录党建慕课" in page.content()
    assert_fits_width(page)
    browser_login(page, "browser-member")
    assert "您好，浏览器党员" in page.content()
    assert_fits_width(page)


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_admin_pages_fit_the_screen(open_page, make_user, make_org, size):
    make_org("浏览器党委", "committee")
    make_user(username="browser-admin", role="admin")
    page = open_page(size)
    browser_login(page, "browser-admin")
    for path in ["/admin/users/", "/admin/users/new", "/admin/users/import", "/admin/org",
                 "/admin/audit", "/account/password"]:
        page.goto(path)
        assert page.locator("h1").count() >= 1, path
        assert_fits_width(page)


def test_phone_menu_opens_and_large_text_toggles(open_page, make_user):
    make_user(username="browser-old", name="老党员")
    page = open_page(PHONE)
    browser_login(page, "browser-old")
    page.click("details.menu summary")
    assert page.is_visible("text=修改密码")
    page.click("details.menu summary")  # close it again
    page.click("text=大字模式")
    page.wait_for_load_state()
    size = page.evaluate("getComputedStyle(document.body).fontSize")
    assert size == "20px"
    assert_fits_width(page)


def test_english_switch(open_page, make_user):
    make_user(username="browser-en")
    page = open_page(LAPTOP)
    browser_login(page, "browser-en")
    page.click("button:has-text('English')")
    page.wait_for_load_state()
    assert "Sign out" in page.content()
