"""The dashboards in real Chromium at phone (360 px) and laptop sizes: no sideways scroll."""
import pytest

from mooc.extensions import db as _db
from tests.conftest import LAPTOP, PHONE, assert_fits_width, browser_login
from tests.dashboard import data as gen

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def committee(app):
    data = gen.build_committee()
    gen.assign(data)
    ids = gen.bulk_members(data, 80, seed=21)
    gen.bulk_study(data, ids, seed=22)
    values = {"lead": data.lead1.username, "course": data.courses[1].id, "data": data}
    # Reading expired attributes outside a request begins a write transaction, which
    # holds SQLite's lock against the live server: read what we need, then end it.
    _db.session.commit()
    return values


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_lead_dashboard_fits_the_screen(open_page, committee, size):
    page = open_page(size)
    browser_login(page, committee["lead"])
    assert "/dashboard/" in page.url  # a branch lead lands on the dashboard
    assert page.locator("h1").inner_text().startswith("学习统计")
    assert page.locator("svg.chart").count() == 3
    for svg in page.locator("svg.chart").all():
        box = svg.bounding_box()
        assert box and box["width"] <= size["width"], box
    assert_fits_width(page)

    page.select_option("select[name=course]", str(committee["course"]))
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert "course=" in page.url
    assert_fits_width(page)

    page.goto("/dashboard/members?sort=hours&dir=desc")
    assert page.locator("tr[data-member]").count() > 0
    assert_fits_width(page)
    page.locator("tr[data-member] a").first.click()
    page.wait_for_load_state()
    assert "/dashboard/members/" in page.url
    assert_fits_width(page)

    for path in ["/assignments/", "/assignments/new", "/notifications"]:
        page.goto(path)
        assert page.locator("h1").count() == 1, path
        assert_fits_width(page)


def test_learner_pages_fit_a_phone(open_page, committee, make_user):
    from mooc.assignments import notifications
    data = committee["data"]
    member = make_user(username="phone-member", org=data.b11, category="probationary")
    notifications.remind_behind(data.lead1)
    username = member.username
    _db.session.commit()
    page = open_page(PHONE)
    browser_login(page, username)
    page.goto("/assignments/")
    assert "我的必修课" in page.content()
    assert_fits_width(page)
    page.goto("/notifications")
    unread = page.locator("li.notice.unread").count()
    assert unread >= 1
    assert_fits_width(page)
    page.locator("li.notice.unread button:has-text('标为已读')").first.click()
    page.wait_for_load_state()
    assert page.locator("li.notice.unread").count() == unread - 1
