"""Real Chromium at 360 px: a learner's "我的学习" with hours and a certificate."""
import pytest

from mooc.certificates.models import Certificate
from mooc.extensions import db as _db
from tests.catalog_factories import make_course
from tests.conftest import LAPTOP, PHONE, assert_fits_width, browser_login
from tests.progress.test_completion import complete_course

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_learner_sees_hours_and_downloads_a_certificate(app, open_page, make_user, size):
    learner = make_user(username="browser-learner", name="欧阳学习者")
    complete_course(learner, make_course(
        title="学习贯彻习近平新时代中国特色社会主义思想专题课程（第一讲）", credit_hours=12))
    cert = _db.session.scalar(_db.select(Certificate))
    serial = cert.serial
    _db.session.commit()
    page = open_page(size)
    browser_login(page, "browser-learner")
    assert page.url.endswith("/me/learning")
    assert page.locator("h1").inner_text() == "我的学习"
    assert page.locator("[data-testid=hours-earned]").inner_text() == "12"
    assert page.locator("[data-testid=hours-required]").inner_text() == "32"
    assert page.is_visible("text=还需 20 学时")
    link = page.locator("a:has-text('下载证书')")
    assert link.is_visible()
    assert serial in page.content()
    assert_fits_width(page)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".pdf")
    # The public verification page fits too, signed in or not.
    page.goto(f"/verify/{serial}")
    assert page.is_visible("text=证书有效")
    assert_fits_width(page)


def test_verification_page_fits_a_phone_signed_out(app, open_page, make_user):
    complete_course(make_user(name="王小明"), make_course(title="党章学习"))
    serial = _db.session.scalar(_db.select(Certificate.serial))
    _db.session.commit()
    page = open_page(PHONE)
    page.goto("/verify")
    page.fill("input[name=serial]", serial.lower().replace("-", " "))
    page.click("#main form button[type=submit]")
    page.wait_for_load_state()
    assert page.is_visible("text=证书有效") and page.is_visible("text=王小明")
    assert_fits_width(page)
    page.goto("/verify/DJMK-0000")
    assert page.is_visible("text=未找到该证书")
    assert_fits_width(page)
