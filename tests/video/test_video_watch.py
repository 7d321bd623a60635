"""The heartbeat API with a fake clock: honest viewing completes the lesson; forged beats,
skipping ahead under no_skip_ahead, replays, floods, a second device and duplicated beats
earn nothing extra; progress never goes down; the sendBeacon form with its CSRF field."""
import re
import threading

import pytest
from sqlalchemy import func, select

from mooc.catalog.models import Enrollment
from mooc.extensions import db
from mooc.progress.models import LessonProgress
from mooc.video import clock
from mooc.video.models import WatchSessionRow
from tests.catalog_factories import make_course, make_lesson
from tests.conftest import login
from tests.video.test_video_media import FakeClock, ready_video

META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
DURATION = 60.0


@pytest.fixture
def fake_clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(clock, "now", fake)
    return fake


class Viewer:
    """One signed-in device: opens sessions and sends beats like player.js."""

    def __init__(self, app, user, lesson):
        self.client = app.test_client()
        assert login(self.client, user.username).status_code == 302
        self.user, self.lesson = user, lesson
        page = self.client.get(f"/courses/{lesson.course_id}/lessons/{lesson.id}")
        assert page.status_code == 200
        self.csrf = META_CSRF.search(page.get_data(as_text=True)).group(1)
        self.headers = {"X-CSRFToken": self.csrf, "Accept": "application/json"}
        self.seq = 0

    def open(self):
        response = self.client.post(f"/api/video/lessons/{self.lesson.id}/sessions",
                                    headers=self.headers)
        assert response.status_code == 200, response.json
        self.session = response.json
        return self.session

    def beat(self, *segments, rate=1.0, position=None, seq=None, final=False):
        if seq is None:
            self.seq += 1
            seq = self.seq
        position = segments[-1][1] if position is None and segments else (position or 0.0)
        return self.client.post(self.session["beat_url"], headers=self.headers,
                                json={"seq": seq, "segments": [list(s) for s in segments],
                                      "rate": rate, "position": position, "final": final})


@pytest.fixture
def course(app):
    return make_course(lessons=0)


@pytest.fixture
def lesson(course):
    lesson = make_lesson(course, "视频课", kind="video")
    ready_video(lesson, duration=DURATION)
    return lesson


def progress_row(user, lesson):
    db.session.expire_all()
    return db.session.scalar(select(LessonProgress).where(LessonProgress.user_id == user.id,
                                                          LessonProgress.lesson_id == lesson.id))


def test_honest_viewing_completes_the_lesson(app, lesson, make_user, fake_clock):
    user = make_user()
    viewer = Viewer(app, user, lesson)
    opened = viewer.open()
    assert opened["recording"] and opened["duration"] == DURATION and opened["position"] == 0
    assert opened["heartbeat_interval"] == 10 and opened["sources"]["renditions"]
    assert opened["beacon_url"].endswith("/beacon")
    for start in range(0, 50, 10):
        fake_clock.now += 10
        answer = viewer.beat((start, start + 10)).json
        assert answer["status"] == "ok" and answer["credited_seconds"] == 10
        assert not answer["completed"]
    row = progress_row(user, lesson)
    assert row.progress == pytest.approx(50 / 60, abs=0.001) and row.completed_at is None
    assert row.data["position"] == 50 and row.time_spent_seconds == 50
    fake_clock.now += 7.5
    last = viewer.beat((50, 57.5)).json                           # 95.8 % ≥ 95 %
    assert last["completed"] and last["completed_now"]
    row = progress_row(user, lesson)
    assert row.progress == 1.0 and row.completed_at is not None
    assert db.session.scalar(select(func.count(Enrollment.id))
                             .where(Enrollment.user_id == user.id)) == 1
    page = viewer.client.get(f"/courses/{lesson.course_id}/lessons/{lesson.id}")
    assert "学完" in page.get_data(as_text=True)
    # Watching again later never undoes completion, and the resume point follows the learner.
    fake_clock.now += 10
    again = viewer.beat((0, 10), position=10).json
    assert again["completed"] and again["credited_seconds"] == 0
    row = progress_row(user, lesson)
    assert row.progress == 1.0 and row.data["position"] == 10


def test_forged_and_flooded_beats_are_not_credited(app, lesson, make_user, fake_clock):
    user = make_user()
    viewer = Viewer(app, user, lesson)
    viewer.open()
    fake_clock.now += 10
    forged = viewer.beat((0, 60)).json                             # "watched it all" after 10 s
    assert forged["status"] == "partially_credited" and "over_budget" in forged["reasons"]
    assert forged["credited_seconds"] == pytest.approx(12, abs=0.01)   # 10 s × 1 + 2 s slack
    assert "超出部分不计入学时" in forged["message_zh"]
    fast = viewer.beat((12, 40), rate=16)                          # claims 16× speed
    assert fast.status_code == 429 and fast.json["error"] and fast.json["code"] == 429
    fake_clock.now += 4
    capped = viewer.beat((12, 40), rate=16).json                   # 4 s × 2 (max rate) + 2 s
    assert capped["credited_seconds"] == pytest.approx(10, abs=0.01)
    # The same beat again (a retry whose answer was lost) changes nothing.
    replay = viewer.beat((12, 40), rate=16, seq=viewer.seq)
    assert replay.status_code == 200 and replay.json["status"] == "duplicate"
    # Old segments sent again under a new number earn nothing: they are already watched.
    fake_clock.now += 10
    rewatch = viewer.beat((0, 20)).json
    assert rewatch["credited_seconds"] == 0
    row = progress_row(user, lesson)
    assert row.progress == pytest.approx(22 / 60, abs=0.001) and row.completed_at is None
    assert row.time_spent_seconds == 22


def test_invalid_beats_get_a_chinese_400(app, lesson, make_user, fake_clock):
    viewer = Viewer(app, make_user(), lesson)
    viewer.open()
    url = viewer.session["beat_url"]
    for body in ({"seq": "1"}, {"seq": 1, "segments": "x"}, {"seq": 1, "segments": [[5, 1]]},
                 {"seq": 1, "rate": -1}, {"seq": 1, "segments": [[0, 1]] * 500},
                 {"seq": 1, "position": float("nan")}, [1, 2]):
        response = viewer.client.post(url, headers=viewer.headers, json=body)
        assert response.status_code == 400, body
        assert response.json["error"] == "心跳数据格式不正确"
    garbage = viewer.client.post(url, data="{not json",
                                 headers={**viewer.headers, "Content-Type": "application/json"})
    assert garbage.status_code == 400
    assert viewer.client.post("/api/video/sessions/nope/beats", headers=viewer.headers,
                              json={"seq": 1}).status_code == 404


def test_a_second_device_takes_over(app, lesson, make_user, fake_clock):
    user = make_user()
    phone, laptop = Viewer(app, user, lesson), Viewer(app, user, lesson)
    phone.open()
    fake_clock.now += 10
    assert phone.beat((0, 10)).json["credited_seconds"] == 10
    laptop.open()
    fake_clock.now += 10
    stale = phone.beat((10, 20))
    assert stale.status_code == 409 and stale.json["reason"] == "superseded"
    assert stale.json["error"] == "已在其他设备上观看，本设备不再计入学时"
    assert laptop.beat((10, 20)).json["credited_seconds"] == 10
    assert progress_row(user, lesson).progress == pytest.approx(20 / 60, abs=0.001)
    # The resume point is per learner, not per device.
    assert Viewer(app, user, lesson).open()["position"] == 20
    actives = db.session.scalar(select(func.count(WatchSessionRow.id)).where(
        WatchSessionRow.user_id == user.id, WatchSessionRow.active.is_(True)))
    assert actives == 1


def test_no_skip_ahead_refuses_unwatched_segments(app, course, lesson, make_user, fake_clock):
    course.no_skip_ahead = True
    db.session.commit()
    user = make_user()
    viewer = Viewer(app, user, lesson)
    page = viewer.client.get(f"/courses/{course.id}/lessons/{lesson.id}").get_data(as_text=True)
    assert 'data-no-skip="1"' in page and "不能快进" in page
    assert viewer.open()["no_skip_ahead"] is True
    fake_clock.now += 10
    skipped = viewer.beat((0, 5), (30, 35), position=35).json
    assert skipped["credited_seconds"] == 5 and "skip_ahead" in skipped["reasons"]
    assert "不能跳过" in skipped["message_zh"]
    assert skipped["position"] <= 5 + 2 + 2                         # resume stays near the frontier
    assert skipped["frontier"] == 5


def test_progress_never_decreases_and_previews_record_nothing(app, course, lesson, make_user,
                                                              fake_clock):
    user = make_user()
    viewer = Viewer(app, user, lesson)
    viewer.open()
    fake_clock.now += 10
    viewer.beat((0, 10))
    before = progress_row(user, lesson).progress
    # A stale page reports a tiny coverage by hand: record_progress ignores a lower value,
    # and the intervals only ever grow.
    fake_clock.now += 10
    viewer.beat((0, 1), position=1)
    assert progress_row(user, lesson).progress == before

    teacher = make_user(role="instructor")
    draft = make_course(owner=teacher, published=False, lessons=0)
    draft_lesson = make_lesson(draft, "草稿视频", kind="video", actor=teacher)
    ready_video(draft_lesson)
    preview = Viewer(app, teacher, draft_lesson)
    opened = preview.open()
    assert opened["recording"] is False and "session_id" not in opened
    assert progress_row(teacher, draft_lesson) is None


def test_the_beacon_carries_its_csrf_token_in_the_body(app, lesson, make_user, fake_clock):
    user = make_user()
    viewer = Viewer(app, user, lesson)
    viewer.open()
    fake_clock.now += 10
    beat = '{"seq": 1, "segments": [[0, 9.5]], "rate": 1, "position": 9.5, "final": true}'
    refused = viewer.client.post(viewer.session["beacon_url"], data={"beat": beat})
    assert refused.status_code == 400 and refused.json["reason"] == "csrf"
    assert progress_row(user, lesson) is None
    sent = viewer.client.post(viewer.session["beacon_url"],
                              data={"beat": beat, "csrf_token": viewer.csrf})
    assert sent.status_code == 200 and sent.json["credited_seconds"] == 9.5
    assert progress_row(user, lesson).data["position"] == 9.5
    bad = viewer.client.post(viewer.session["beacon_url"],
                             data={"beat": "not json", "csrf_token": viewer.csrf})
    assert bad.status_code == 400 and bad.json["error"] == "心跳数据格式不正确"


def test_someone_elses_session_is_not_found(app, lesson, make_user, fake_clock):
    owner = Viewer(app, make_user(), lesson)
    owner.open()
    thief = Viewer(app, make_user(), lesson)
    thief.session = owner.session
    fake_clock.now += 10
    response = thief.beat((0, 10))
    assert response.status_code == 404 and response.json["error"]


def test_concurrent_copies_of_a_beat_credit_once(app, lesson, make_user, fake_clock):
    user = make_user()
    first = Viewer(app, user, lesson)
    first.open()
    second = Viewer(app, user, lesson)             # same learner, another connection
    second.session, second.seq = first.session, 0
    fake_clock.now += 10
    answers, barrier = [], threading.Barrier(2)

    def send(viewer):
        barrier.wait()
        with app.app_context():
            answers.append(viewer.beat((0, 10), seq=1).json)
    threads = [threading.Thread(target=send, args=(v,)) for v in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(a["status"] for a in answers) == ["duplicate", "ok"]
    assert sum(a["credited_seconds"] for a in answers) == 10
    row = progress_row(user, lesson)
    assert row.time_spent_seconds == 10 and row.data["intervals"] == [[0.0, 10.0]]
