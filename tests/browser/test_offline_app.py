"""The installable web app (issue 19) in real Chromium at 360 px: install criteria, a text
lesson read with the network off (with its image), visits queued offline and sent later,
the outline showing saved lessons, nothing left for the next member after sign-out, and a
release upgrade that a stale service worker cannot break."""
import io
import json
import time

import pytest
from PIL import Image
from sqlalchemy import select

from mooc.catalog import media as catalog_media
from mooc.catalog.learning import enrol
from mooc.catalog.models import Enrollment
from mooc.extensions import db
from tests.catalog_factories import make_course, make_lesson
from tests.conftest import PHONE, assert_fits_width, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _png():
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (183, 28, 28)).save(out, "PNG")
    return out.getvalue()


def _wait_for_worker(page):
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller",
                           timeout=15000)


def _cache_names(page):
    return page.evaluate("caches.keys()")


@pytest.fixture
def reading(app, make_user):
    user = make_user(username="offline-reader")
    course = make_course("离线学习党章", lessons=0)
    _row, image_url = catalog_media.add_image_bytes(course, None, _png(), "图.png")
    first = make_lesson(course, "第一课：党的性质", body="党章第一课。\n\n![党徽](%s)" % image_url)
    second = make_lesson(course, "第二课：党员义务", body="认真学习，离线也能读。")
    enrol(user, course)
    ids = {"user": user.id, "course": course.id, "first": first.id, "second": second.id}
    db.session.commit()
    return ids


def _last_lesson(ids):
    try:
        return db.session.scalar(select(Enrollment.last_lesson_id).where(
            Enrollment.user_id == ids["user"], Enrollment.course_id == ids["course"]))
    finally:
        db.session.rollback()


def test_installable_and_a_saved_lesson_reads_offline(open_page, reading):
    ids = reading
    page = open_page(PHONE)
    browser_login(page, "offline-reader")
    first = f"/courses/{ids['course']}/lessons/{ids['first']}"
    second = f"/courses/{ids['course']}/lessons/{ids['second']}"
    page.goto(first)
    _wait_for_worker(page)

    # Install criteria: manifest (Chinese name, 192 and 512 px icons) + a worker in control.
    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert not manifest.get("errors"), manifest.get("errors")
    assert json.loads(manifest["data"])["name"] == "党建慕课"
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # Playwright's browser contexts are incognito profiles, where Chromium never offers
    # installing; every other criterion (manifest, icons, worker, secure origin) is checked.
    errors = [e for e in errors if e["errorId"] != "in-incognito"]
    assert errors == [], errors

    # Opened text lessons are kept (a reload now that the worker controls the page).
    page.goto(second)
    page.wait_for_selector("#reader[data-offline-saved='1']", timeout=10000)
    assert "离线阅读不计学时" in page.inner_text(".offline-credit")
    page.goto(first)
    page.wait_for_selector("#reader[data-offline-saved='1']", timeout=10000)
    assert page.evaluate("document.querySelector('.reader-body img').naturalWidth") == 40
    assert _last_lesson(ids) == ids["first"]
    assert_fits_width(page)

    # The network goes: both lessons still read, with the image; the visit is queued.
    page.context.set_offline(True)
    page.goto(first)
    page.wait_for_function("() => document.querySelector('.reader-body img').naturalWidth === 40")
    page.goto(second)
    assert "认真学习，离线也能读。" in page.inner_text(".reader-body")
    assert page.is_visible(".offline-banner")
    page.wait_for_selector(".offline-status")
    assert "有 2 条离线阅读记录" in page.inner_text(".offline-status")
    # A page never saved: the offline page, listing what can be read.
    page.goto(f"/courses/{ids['course']}")
    assert "当前没有网络连接" in page.content()
    page.wait_for_selector(".offline-saved li a")
    assert "第二课：党员义务" in page.inner_text(".offline-saved")
    assert_fits_width(page)

    # Back online: the queued visit is sent and the server decides (here: 继续学习 → lesson 2).
    page.context.set_offline(False)
    page.goto(f"/courses/{ids['course']}")
    page.wait_for_function("() => document.documentElement.getAttribute('data-offline-queue') === '0'",
                           timeout=10000)
    assert _last_lesson(ids) == ids["second"]
    # The outline shows which lessons are saved.
    page.wait_for_selector(".lesson-row .offline-badge:not([hidden])")
    assert page.locator(".lesson-row .offline-badge:not([hidden])").count() == 2

    # Sign-out leaves nothing of this member on the phone.
    assert any(name.startswith("mooc-user-") for name in _cache_names(page))
    page.click("summary")
    page.click("text=退出")
    page.wait_for_url("**/login**")
    page.wait_for_load_state()
    assert not any(name.startswith("mooc-user-") for name in _cache_names(page))


def test_outline_saves_a_lesson_never_opened(open_page, reading):
    ids = reading
    page = open_page(PHONE)
    browser_login(page, "offline-reader")
    page.goto(f"/courses/{ids['course']}")
    _wait_for_worker(page)
    page.reload()
    page.locator(".lesson-row button.offline-save").first.click()
    page.wait_for_selector(".lesson-row .offline-badge:not([hidden])")
    page.context.set_offline(True)
    page.goto(f"/courses/{ids['course']}/lessons/{ids['first']}")
    assert "党章第一课" in page.inner_text(".reader-body")
    page.wait_for_function("() => document.querySelector('.reader-body img').naturalWidth === 40")


def test_a_new_release_replaces_a_stale_worker(app, open_page, reading):
    ids = reading
    app.config["OFFLINE_VERSION"] = "release-a"
    page = open_page(PHONE)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, "offline-reader")
    lesson = f"/courses/{ids['course']}/lessons/{ids['first']}"
    page.goto(lesson)
    _wait_for_worker(page)
    page.wait_for_function("async () => (await caches.keys()).includes('mooc-shell-release-a')")

    # The server is upgraded while the old worker still controls the page.
    app.config["OFFLINE_VERSION"] = "release-b"
    page.reload()
    # Network first: the very first page after the upgrade is the new release's.
    assert page.get_attribute("script[data-sw]", "data-version") == "release-b"
    assert "党章第一课" in page.inner_text(".reader-body")
    # The new worker takes over and deletes the old release's shell; saved pages stay.
    page.wait_for_function("async () => { const k = await caches.keys();"
                           " return k.includes('mooc-shell-release-b') && !k.includes('mooc-shell-release-a'); }",
                           timeout=15000)
    assert any(name.startswith("mooc-user-") for name in _cache_names(page))
    page.reload()
    page.wait_for_selector("#reader[data-offline-saved='1']")
    page.context.set_offline(True)
    page.goto(lesson)
    assert "党章第一课" in page.inner_text(".reader-body")
    time.sleep(0.2)
    assert not errors, errors
