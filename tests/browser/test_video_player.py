"""Real Chromium at phone size: a learner plays a video lesson; the player reports heartbeats
and the server stores what was watched and where the learner stopped."""
import time

import pytest
from sqlalchemy import select

from mooc.extensions import db
from mooc.progress.models import LessonProgress
from mooc.video import services
from mooc.video.models import WatchSessionRow
from tests.catalog_factories import make_course, make_lesson
from tests.conftest import PHONE, assert_fits_width, browser_login
from tests.video.clips import clip

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SRT = "1\n00:00:00,000 --> 00:00:01,200\n学习党章\n\n2\n00:00:01,200 --> 00:00:02,800\n遵守党纪\n"


def wait_for(check, timeout=20.0):
    """Poll the database; each look ends its transaction at once (outside a request the
    test's transactions begin IMMEDIATE and would hold SQLite's write lock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        finally:
            db.session.rollback()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting for the server to record the viewing")


def progress_of(user_id, lesson_id):
    row = db.session.scalar(select(LessonProgress).where(LessonProgress.user_id == user_id,
                                                         LessonProgress.lesson_id == lesson_id))
    return row and {"progress": row.progress, "spent": row.time_spent_seconds, **row.data}


def session_of(user_id):
    row = db.session.scalar(select(WatchSessionRow).where(WatchSessionRow.user_id == user_id))
    return row and {"last_seq": row.last_seq, "credited": row.credited_seconds}


def test_learner_plays_a_video_lesson_on_a_phone(app, open_page, make_user, tmp_path):
    app.config["VIDEO_HEARTBEAT_SECONDS"] = 1     # beats every second instead of ten
    course = make_course(lessons=0)
    lesson = make_lesson(course, "视频课：学习党章", kind="video")
    captions = tmp_path / "clip.srt"
    captions.write_text(SRT, encoding="utf-8")
    asset = services.attach_video(lesson, clip("small.mp4"), captions)   # transcoded inline
    assert asset.status == "ready"
    user_id, course_id, lesson_id = make_user(username="video-viewer").id, course.id, lesson.id
    db.session.commit()

    page = open_page(PHONE)
    browser_login(page, "video-viewer")
    page.goto(f"/courses/{course_id}/lessons/{lesson_id}")
    assert page.locator("video#lesson-video").count() == 1
    assert page.locator(".cue").count() == 2 and "遵守党纪" in page.content()
    assert page.locator("select.speed option").count() == 5
    assert_fits_width(page)

    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true;"
                  " return v.play(); }")
    page.wait_for_function("() => document.querySelector('video').ended", timeout=20000)
    assert page.evaluate("document.querySelector('video').videoWidth") == 320

    first = wait_for(lambda: session_of(user_id))
    assert first["last_seq"] >= 1
    # The last beat (sent when the video ended) stores where the learner stopped.
    row = wait_for(lambda: (p := progress_of(user_id, lesson_id)) and p.get("position", 0) >= 2.5
                   and p)
    assert row["intervals"] and row["progress"] > 0.5 and row["spent"] >= 2
    assert wait_for(lambda: session_of(user_id))["credited"] > 2
    assert_fits_width(page)

    # A click on a transcript line seeks there.
    page.locator(".cue").nth(1).click()
    page.wait_for_function("() => Math.abs(document.querySelector('video').currentTime - 1.2) < 1")


def test_author_uploads_in_chunks_and_resumes_after_a_dropped_connection(app, open_page,
                                                                         make_user):
    app.config["VIDEO_UPLOAD_CHUNK_BYTES"] = 20_000       # small.mp4 (76 KB) → 4 chunks
    teacher = make_user(username="video-author", role="instructor")
    course = make_course(owner=teacher, lessons=0)
    lesson = make_lesson(course, "视频课", kind="video", actor=teacher)
    url = f"/author/courses/{course.id}/lessons/{lesson.id}/video"
    lesson_id = lesson.id
    db.session.commit()

    page = open_page(PHONE)
    browser_login(page, "video-author")
    page.goto(url)
    assert_fits_width(page)
    dropped = []

    def drop_second_chunk(route):
        if "offset=20000" in route.request.url and not dropped:
            dropped.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()
    page.route("**/chunks?offset=*", drop_second_chunk)
    page.set_input_files("#video-file", str(clip("small.mp4")))
    page.click("form.video-upload button[type=submit]")
    page.wait_for_selector("text=网络中断", timeout=10000)
    # The page reloads itself once the (inline) processing is done.
    page.wait_for_selector(".state-badge:has-text('可以播放')", timeout=30000)
    assert dropped
    ready = wait_for(lambda: (a := services.latest_asset(db.session.get(type(lesson), lesson_id)))
                     and a.status == "ready" and a.source_size)
    assert ready == clip("small.mp4").stat().st_size
    assert_fits_width(page)
