"""The lead's dashboard in Chromium: every course studied (electives too) with 学时
credited, small averages not printed as 0, the time zone named in Chinese; 360–1366 px."""
from datetime import datetime

import pytest
from sqlalchemy import insert

from mooc.assignments import audience
from mooc.extensions import db as _db
from mooc.progress.models import CourseCompletion
from tests.browser.shots import DESKTOP, shoot
from tests.catalog_factories import make_course
from tests.conftest import PHONE, assert_fits_width, browser_login
from tests.dashboard import data as gen

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def branch(app):
    data = gen.build_committee()
    gen.assign(data)
    ids = gen.bulk_members(data, 30, seed=11)
    gen.bulk_study(data, ids, seed=12)
    elective = make_course("选学：红色家书", lessons=1)
    now = datetime.utcnow().replace(microsecond=0)
    _db.session.execute(insert(CourseCompletion), [
        {"user_id": uid, "course_id": elective.id, "completed_at": now,
         "year": audience.today().year, "hours": 2.0} for uid in ids[:5]])
    values = {"lead": data.lead1.username, "elective": elective.id}
    _db.session.commit()
    return values


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_dashboard_lists_every_course_studied(open_page, branch, size):
    page = open_page(size)
    browser_login(page, branch["lead"])
    page.goto("/dashboard/studied")
    table = page.locator("table.studied")
    assert table.is_visible()
    assert "选学" in table.inner_text()
    assert_fits_width(page)
    page.goto("/dashboard/")
    assert page.locator("a[href*='/dashboard/studied']").is_visible()
    hours = page.locator("[data-stat=hours]").inner_text()
    assert hours != "0" or all(cell.inner_text() in ("0", "—") for cell in
                               page.locator("td[data-label='人均学时']").all())
    footnote = page.locator("p.muted.small").last.inner_text()
    assert "Asia/Shanghai" not in footnote and "北京时间" in footnote
    assert_fits_width(page)
    shoot(page, "lead-dashboard")
