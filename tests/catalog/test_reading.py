"""Text-lesson completion: the server checks its own signed token and its own clock."""
import re

import pytest

from mooc.catalog import reading
from mooc.catalog.models import Enrollment
from mooc.extensions import db as _db
from mooc.progress.models import LessonProgress
from tests.catalog_factories import make_course
from tests.conftest import login


class FakeClock:
    def __init__(self, now=1_800_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(reading, "clock", fake)
    return fake


@pytest.fixture
def course(app):
    return make_course(lessons=2, body="字" * 800)  # 800 characters ≈ 2 minutes


def lesson_url(course, lesson):
    return f"/courses/{course.id}/lessons/{lesson.id}"


def open_lesson(client, course, lesson):
    text = client.get(lesson_url(course, lesson)).get_data(as_text=True)
    token = re.search(r'name="reading_token" value="([^"]+)"', text).group(1)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text).group(1)
    return token, csrf


def finish(client, course, lesson, token, csrf):
    return client.post(lesson_url(course, lesson) + "/complete",
                       data={"csrf_token": csrf, "reading_token": token},
                       follow_redirects=True)


def progress_row(user, lesson):
    return _db.session.scalar(_db.select(LessonProgress).filter_by(user_id=user.id,
                                                                   lesson_id=lesson.id))


def test_estimate_from_length():
    assert reading.estimated_seconds("短") == reading.MIN_SECONDS
    assert reading.estimated_seconds("字" * 800) == 120
    assert reading.estimated_seconds("字" * 100_000) == reading.MAX_SECONDS
    assert reading.estimated_seconds("**字** " * 400) == 60  # markup and spaces not counted


def test_opening_a_lesson_writes_nothing(client, login_as, course, clock):
    user = login_as()
    lesson = course.ordered_lessons()[0]
    open_lesson(client, course, lesson)
    assert progress_row(user, lesson) is None
    assert _db.session.scalar(_db.select(Enrollment).filter_by(user_id=user.id)) is None


def test_too_early_is_refused_with_the_remaining_seconds(client, login_as, course, clock):
    user = login_as()
    lesson = course.ordered_lessons()[0]
    token, csrf = open_lesson(client, course, lesson)
    clock.now += 50
    text = finish(client, course, lesson, token, csrf).get_data(as_text=True)
    assert "还需 70 秒" in text
    assert progress_row(user, lesson) is None


def test_after_the_reading_time_it_completes(client, login_as, course, clock):
    user = login_as()
    first, second = course.ordered_lessons()
    token, csrf = open_lesson(client, course, first)
    clock.now += 121
    response = finish(client, course, first, token, csrf)
    assert "已完成本课时" in response.get_data(as_text=True)
    assert response.request.path == lesson_url(course, second)  # on to the next lesson
    row = progress_row(user, first)
    assert row.progress == 1.0 and row.completed_at is not None
    assert row.time_spent_seconds == 121
    enrollment = _db.session.scalar(_db.select(Enrollment).filter_by(user_id=user.id))
    assert enrollment.last_lesson_id == first.id  # completing enrols the learner
    # Completed lessons show it instead of the button.
    page = client.get(lesson_url(course, first)).get_data(as_text=True)
    assert "学完" in page and 'name="reading_token"' not in page


def test_per_lesson_minimum_overrides_the_estimate(client, login_as, course, clock):
    lesson = course.ordered_lessons()[0]
    lesson.min_reading_seconds = 10
    _db.session.commit()
    user = login_as()
    token, csrf = open_lesson(client, course, lesson)
    clock.now += 10
    finish(client, course, lesson, token, csrf)
    assert progress_row(user, lesson).progress == 1.0


def test_tampered_or_foreign_tokens_are_refused(app, client, login_as, make_user, course,
                                                clock):
    user = login_as()
    first, second = course.ordered_lessons()
    token, csrf = open_lesson(client, course, first)
    other_token, _csrf = open_lesson(client, course, second)
    clock.now += 3600
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "", "garbage",
                other_token):
        text = finish(client, course, first, bad, csrf).get_data(as_text=True)
        assert "学习凭据无效" in text, bad
    # Another learner's token for the same lesson does not work either.
    stranger = app.test_client()
    login(stranger, make_user("stranger").username)
    _t, stranger_csrf = open_lesson(stranger, course, first)
    text = finish(stranger, course, first, token, stranger_csrf).get_data(as_text=True)
    assert "学习凭据无效" in text
    assert progress_row(user, first) is None


def test_a_forged_issue_time_is_refused(client, login_as, course, clock, app):
    """Tokens are signed: a learner cannot backdate one."""
    from itsdangerous import URLSafeTimedSerializer
    user = login_as()
    lesson = course.ordered_lessons()[0]
    _token, csrf = open_lesson(client, course, lesson)
    forged = URLSafeTimedSerializer("not-the-secret", salt=reading.SALT).dumps(
        {"u": user.id, "l": lesson.id, "t": clock.now - 10_000})
    text = finish(client, course, lesson, forged, csrf).get_data(as_text=True)
    assert "学习凭据无效" in text


def test_old_pages_must_be_reloaded(client, login_as, course, clock):
    login_as()
    lesson = course.ordered_lessons()[0]
    token, csrf = open_lesson(client, course, lesson)
    clock.now += reading.TOKEN_MAX_AGE + 10
    assert "请刷新页面" in finish(client, course, lesson, token, csrf).get_data(as_text=True)


def test_video_and_quiz_lessons_cannot_be_marked_done_by_hand(client, login_as, clock):
    from tests.catalog_factories import make_lesson
    course = make_course(lessons=0)
    video = make_lesson(course, "视频课", kind="video")
    user = login_as()
    page = client.get(lesson_url(course, video)).get_data(as_text=True)
    assert "视频处理中" in page and "我已学完" not in page
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    text = finish(client, course, video, "", csrf).get_data(as_text=True)
    assert "观看视频达到要求后自动完成" in text
    assert progress_row(user, video) is None


def test_previews_record_nothing(client, login_as, make_user, clock):
    teacher = make_user(role="instructor")
    course = make_course(owner=teacher, published=False)
    login_as(teacher)
    lesson = course.ordered_lessons()[0]
    page = client.get(lesson_url(course, lesson)).get_data(as_text=True)
    assert "预览" in page and 'name="reading_token"' not in page
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    clock.now += 3600
    text = client.post(lesson_url(course, lesson) + "/complete",
                       data={"csrf_token": csrf}, follow_redirects=True).get_data(as_text=True)
    assert "预览模式下不记录学习进度" in text
    assert progress_row(teacher, lesson) is None
