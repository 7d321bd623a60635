"""The header at every width: menus grouped by role (学习 · 教学 · 管理), one line high from
360 px to 1920 px, the phone menu kept."""
import pytest

from tests.browser.shots import DESKTOP, WIDE, shoot
from tests.conftest import PHONE, assert_fits_width, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def header_height(page):
    return page.evaluate("document.querySelector('.topbar-inner').getBoundingClientRect().height")


@pytest.mark.parametrize("size", [DESKTOP, WIDE, {"width": 900, "height": 700}],
                         ids=["1366", "1920", "900"])
def test_admin_header_is_one_line_with_a_menu_per_group(open_page, make_user, size):
    make_user(username="nav-admin", name="系统管理员", role="admin")
    page = open_page(size)
    browser_login(page, "nav-admin")
    page.goto("/home")
    assert header_height(page) <= 64, "the header wraps onto several lines"
    for key, group in (("learn", "学习"), ("teach", "教学"), ("manage", "管理")):
        assert page.locator(f".navgroup[data-group={key}] .navgroup-toggle").inner_text().startswith(group)
        assert page.locator(f".navgroup[data-group={key}] .navgroup-toggle").is_visible()
    assert not page.locator("text=用户管理").is_visible()  # tucked into 管理
    page.click(".navgroup[data-group=manage] .navgroup-toggle")
    assert page.locator(".navgroup[data-group=manage] a:has-text('用户管理')").is_visible()
    box = page.locator(".navgroup[data-group=manage] a:has-text('用户管理')").bounding_box()
    assert box["width"] > box["height"], "menu entries are squeezed into one-character columns"
    shoot(page, "admin-menu-manage")
    page.keyboard.press("Escape")
    assert not page.locator("text=用户管理").is_visible()
    page.click(".navgroup[data-group=teach] .navgroup-toggle")
    page.click(".navgroup[data-group=teach] a:has-text('课程制作')")
    page.wait_for_load_state()
    assert "/author" in page.url
    assert header_height(page) <= 64
    assert_fits_width(page)


def test_learner_sees_learning_entries_inline(open_page, make_user):
    make_user(username="nav-learner", name="学员甲")
    page = open_page(DESKTOP)
    browser_login(page, "nav-learner")
    assert page.locator(".topbar a:has-text('课程中心')").is_visible()
    assert page.locator(".navgroup[data-group=manage]").count() == 0
    assert header_height(page) <= 64
    page.click(".navgroup.account .navgroup-toggle")
    assert page.locator("text=修改密码").is_visible()
    shoot(page, "learner-header")


def test_phone_menu_lists_every_group(open_page, make_user):
    make_user(username="nav-phone-admin", role="admin")
    page = open_page(PHONE)
    browser_login(page, "nav-phone-admin")
    page.goto("/home")
    assert header_height(page) <= 64
    page.click("details.menu summary")
    for text in ("学习", "教学", "管理", "用户管理", "课程中心", "修改密码"):
        assert page.locator(f".menu-panel :text-is('{text}')").first.is_visible(), text
    shoot(page, "admin-phone-menu", full_page=False)
    assert_fits_width(page)
