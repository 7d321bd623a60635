"""The catalogue on a 360 px phone shows several compact course cards per screen; the
course outline shows lesson durations (reading time, video length)."""
import pytest

from mooc.extensions import db as _db
from mooc.video import services as video
from tests.browser.shots import DESKTOP, shoot
from tests.catalog_factories import make_course, make_lesson
from tests.conftest import PHONE, assert_fits_width, browser_login
from tests.video.clips import clip

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_phone_catalogue_is_compact(open_page, make_user):
    make_user(username="cards-member")
    for i in range(6):
        make_course(f"党课第{i + 1}讲：不忘初心", lessons=1, summary="学习党的创新理论，" * 6)
    page = open_page(PHONE)
    browser_login(page, "cards-member")
    page.goto("/courses")
    cards = page.locator("article.course-card")
    assert cards.count() == 6
    shoot(page, "learner-catalogue", full_page=False)
    fold = PHONE["height"]
    titles_above_fold = sum(1 for card in cards.all()
                            if card.locator("h2").bounding_box()["y"] < fold)
    assert titles_above_fold >= 3, titles_above_fold
    assert_fits_width(page)


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_outline_shows_durations(open_page, make_user, size):
    make_user(username="outline-member")
    course = make_course("时长课程", lessons=0)
    make_lesson(course, "阅读课", body="党章是党的根本大法。" * 200)
    clip_lesson = make_lesson(course, "视频课", kind="video")
    video.attach_video(clip_lesson, clip("small.mp4"))
    url = f"/courses/{course.id}"
    _db.session.commit()
    page = open_page(size)
    browser_login(page, "outline-member")
    page.goto(url)
    durations = page.locator(".lesson-duration").all_inner_texts()
    assert any(text.startswith("约") and "分钟" in text for text in durations), durations
    assert any(text.startswith("视频 0:0") for text in durations), durations
    assert_fits_width(page)
