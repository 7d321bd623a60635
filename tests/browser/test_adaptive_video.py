"""Adaptive video on a weak link (issue 19) and progress as you watch (issue 17 item 8), in
real Chromium at 360 px: the network throttled through the DevTools protocol to about
400 kbit/s with 300 ms latency; playback must start within 5 s on the 240p rendition and
keep playing — natively (Chromium plays HLS itself) and through the vendored hls.js."""
import time

import pytest

from mooc.extensions import db
from mooc.video import services
from tests.catalog_factories import make_course, make_lesson
from tests.conftest import PHONE, assert_fits_width, browser_login
from tests.video.clips import clip

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SRT = "1\n00:00:00,000 --> 00:00:06,000\n不忘初心，牢记使命\n\n2\n00:00:06,000 --> 00:00:12,000\n学习党章党规\n"
SLOW_LINK = {"offline": False, "latency": 300, "downloadThroughput": 400_000 / 8,
             "uploadThroughput": 400_000 / 8}


@pytest.fixture
def lecture(app, make_user, tmp_path):
    course = make_course(lessons=0)
    lesson = make_lesson(course, "视频课：弱网", kind="video")
    captions = tmp_path / "c.srt"
    captions.write_text(SRT, encoding="utf-8")
    asset = services.attach_video(lesson, clip("lecture.mp4"), captions)   # transcoded inline
    assert asset.status == "ready" and asset.hls
    make_user(username="train-rider")
    url = f"/courses/{course.id}/lessons/{lesson.id}"
    db.session.commit()     # and touch no row after this: it would hold SQLite's write lock
    return url, None


def _throttled_start(page, url):
    """Open the lesson on a throttled link, press play; seconds until the picture moves."""
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_LINK)
    page.goto(url)
    page.wait_for_selector("video#lesson-video")
    started = time.monotonic()
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true;"
                  " const p = v.play(); if (p) p.catch(() => {}); }")
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.3",
                           timeout=15000)
    return time.monotonic() - started, requests


@pytest.mark.parametrize("engine", ["native", "hls.js"])
def test_throttled_video_starts_on_240p_and_keeps_playing(open_page, lecture, engine):
    url, _user = lecture
    page = open_page(PHONE)
    if engine == "hls.js":
        page.add_init_script("window.MOOC_FORCE_HLSJS = true")
    browser_login(page, "train-rider")
    startup, requests = _throttled_start(page, url)
    mode = page.get_attribute("#video-lesson", "data-mode")
    assert mode == ("hls-native" if engine == "native" else "hls-js")
    assert startup < 5.0, f"playback took {startup:.1f} s to start on a 400 kbit/s link"
    segments = [u for u in requests if u.split("?")[0].endswith(".ts")]
    assert segments and "/hls/240/" in segments[0], segments[:3]
    assert page.evaluate("document.querySelector('video').videoHeight") == 240
    # Keeps playing: 6 more seconds of video within 9 s of wall time on the same link.
    at = page.evaluate("document.querySelector('video').currentTime")
    page.wait_for_function(f"() => document.querySelector('video').currentTime > {at + 6}",
                           timeout=9000)
    assert not any("/video/media/" in u and ".ts" not in u.split("?")[0]
                   and "/hls/720/" in u for u in requests[:3])
    assert_fits_width(page)


def test_progress_shows_while_watching_and_captions_are_readable(app, open_page, lecture):
    url, _user = lecture
    page = open_page(PHONE)
    browser_login(page, "train-rider")
    page.goto(url)
    assert page.inner_text(".watch-status") == "已观看 0%"
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true;"
                  " return v.play(); }")
    # Before the first heartbeat (10 s), the bar already moves: an estimate, marked 约.
    page.wait_for_function("() => document.querySelector('.watch-status').textContent"
                           ".startsWith('已观看约')", timeout=8000)
    assert page.evaluate("document.querySelector('progress.watch-progress').value") > 0
    # Our caption line, at least 16 px on a 360 px phone (the browser's own is ~10 px).
    page.wait_for_selector(".caption-line:not([hidden])", timeout=5000)
    assert page.inner_text(".caption-line") == "不忘初心，牢记使命"
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.caption-line')).fontSize)")
    assert size >= 16
    # Each beat confirms the server's figure.
    page.wait_for_function("() => !document.querySelector('.watch-confirmed').hidden", timeout=15000)
    assert page.inner_text(".watch-confirmed").startswith("服务器已记录")
    assert_fits_width(page)


def test_data_saver_listen_mode_and_seek_link(open_page, lecture):
    url, _user = lecture
    page = open_page(PHONE)
    browser_login(page, "train-rider")
    page.goto(url)
    page.check("input.saver")
    page.wait_for_function("() => document.querySelector('#video-lesson').dataset.mode === 'mp4'")
    assert page.get_attribute("video", "poster") is None        # no poster until played
    assert "/240.mp4" in page.evaluate("document.querySelector('video').currentSrc")
    page.check("input.listen")                                  # 听党课: the sound alone
    page.wait_for_function("() => document.querySelector('#video-lesson').dataset.mode === 'listen'")
    assert "/audio.m4a" in page.evaluate("document.querySelector('video').currentSrc")
    assert page.is_visible(".listen-note")
    page.uncheck("input.listen")
    page.uncheck("input.saver")
    # ?t= seeks once the metadata is there (a search hit or a shared link).
    page.goto(url + "?t=4")
    page.wait_for_function("() => Math.abs(document.querySelector('video').currentTime - 4) < 0.6",
                           timeout=10000)
    assert page.get_attribute("#video-lesson", "data-mode") == "hls-native"
