"""Issue 14 in real Chromium: a phrase from the demo video's subtitles, typed on the
search page, finds the transcript passage; its link opens the lesson and the player
starts at the passage (?t=SECONDS)."""
from pathlib import Path

import pytest

from mooc.extensions import db
from mooc.search import services as search
from mooc.video import captions
from mooc.video import services
from tests.catalog_factories import make_course, make_lesson
from tests.conftest import PHONE, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DEMO = Path(__file__).resolve().parents[2] / "courses" / "hulianwang-dangjian" / "media"


def test_demo_subtitle_phrase_found_and_the_player_seeks_to_it(app, open_page, make_user,
                                                               monkeypatch):
    # The demo clip is 23.5 s, one 30 s passage; 10 s passages give a hit that is not at 0.
    monkeypatch.setattr(captions, "PASSAGE_SECONDS", 10)
    course = make_course("互联网+党建", lessons=0)
    lesson = make_lesson(course, "平台导览", kind="video")
    asset = services.attach_video(lesson, DEMO / "platform-tour.mp4", DEMO / "platform-tour.vtt")
    assert asset.status == "ready"
    make_user(username="subtitle-searcher")
    db.session.commit()
    search.rebuild()

    page = open_page(PHONE)
    browser_login(page, "subtitle-searcher")
    page.goto("/search")
    page.fill("#search-q", "测验课时完成后")          # said at 0:12 in the demo video
    page.click("form.search-form button[type=submit]")
    hit = page.locator("ol.search-results li", has_text="0:12").first
    assert "测验课时" in hit.inner_text()
    hit.locator("a.hit-title").click()
    page.wait_for_url("**/lessons/*?t=12")
    page.wait_for_function("() => { const v = document.querySelector('video');"
                           " return v && v.readyState >= 1 && v.currentTime > 0; }",
                           timeout=20000)
    assert abs(page.evaluate("document.querySelector('video').currentTime") - 12) < 1.5
