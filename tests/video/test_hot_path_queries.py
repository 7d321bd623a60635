"""Statement budget of a heartbeat (issue 13): at most 4 SQL statements per beat,
authentication included, and no read while the write lock is held."""
import pytest

from mooc.extensions import db
from tests.querycount import count_statements
from tests.video.test_video_watch import DURATION, Viewer, fake_clock, progress_row  # noqa: F401  (fixture)
from tests.video.test_video_media import ready_video
from tests.catalog_factories import make_course, make_lesson

BEAT_BUDGET = 4   # user row, the joined read, the session UPDATE, the progress UPSERT


@pytest.fixture
def viewer(app, make_user, fake_clock):
    lesson = make_lesson(make_course(lessons=0), "视频课", kind="video")
    ready_video(lesson, duration=DURATION)
    viewer = Viewer(app, make_user(), lesson)
    viewer.open()
    return viewer


def _beat(viewer, fake_clock, *segments, **kw):
    fake_clock.now += 10
    with count_statements(db.engine) as statements:
        response = viewer.beat(*segments, **kw)
    return response, statements


def test_a_credited_beat_costs_four_statements(viewer, fake_clock):
    for n in range(3):   # the first beat creates the progress row; later ones update it
        response, statements = _beat(viewer, fake_clock, (n * 10.0, n * 10.0 + 10))
        assert response.status_code == 200 and response.json["status"] == "ok"
        assert len(statements) <= BEAT_BUDGET, statements.describe()
        assert statements.reads_inside_write() == [], statements.describe()
        if db.engine.dialect.name == "sqlite":   # the check above saw the write begin
            assert statements.index_of_write_begin() is not None, statements.describe()
    assert progress_row(viewer.user, viewer.lesson).data["intervals"] == [[0.0, 30.0]]


def test_refused_beats_cost_no_more_and_write_nothing(viewer, fake_clock):
    fake_clock.now += 10
    assert viewer.beat((0, 10), seq=1).status_code == 200
    for kwargs, status in (({"seq": 1}, 200),                       # duplicate
                           ({"seq": 2}, 429)):                      # too fast
        with count_statements(db.engine) as statements:
            response = viewer.beat((10, 20), **kwargs)
        assert response.status_code == status
        assert len(statements) <= 2, statements.describe()   # user + the read
        assert statements.index_of_write_begin() is None


def test_completing_beat_may_cost_more_but_only_once(viewer, fake_clock):
    for n in range(5):
        _beat(viewer, fake_clock, (n * 10.0, n * 10.0 + 10))
    response, _statements = _beat(viewer, fake_clock, (50.0, 60.0))
    assert response.json["completed_now"] is True
    response, statements = _beat(viewer, fake_clock, (0.0, 10.0), position=10.0)
    assert response.json["completed"] is True and response.json["completed_now"] is False
    assert len(statements) <= BEAT_BUDGET, statements.describe()


def test_the_final_beat_at_the_end_of_playback_is_accepted_and_credited(viewer, fake_clock):
    """Regression: the last beat when a video ends came 0.3 s after the previous one and
    was refused 429 too_fast, losing the final position."""
    for n in range(5):
        _beat(viewer, fake_clock, (n * 10.0, n * 10.0 + 10))
    fake_clock.now += 9.7
    assert viewer.beat((50.0, 59.7)).status_code == 200
    fake_clock.now += 0.3
    final = viewer.beat((59.7, 60.0), final=True)
    assert final.status_code == 200 and final.json["status"] == "ok"
    assert final.json["credited_seconds"] == pytest.approx(0.3)
    assert final.json["position"] == 60.0 and final.json["completed"] is True
    # A beacon sent as the page hides right after is accepted too, and earns nothing new.
    fake_clock.now += 0.05
    again = viewer.beat((59.7, 60.0), final=True)
    assert again.status_code == 200 and again.json["credited_seconds"] == 0


def test_a_beat_sees_an_audience_change_at_once(app, make_user, fake_clock):
    """Nothing about permissions is cached: narrowing the audience stops the next beat."""
    from mooc.catalog.models import CourseAudienceCategory
    course = make_course(lessons=0, visibility="restricted", categories=["full_member"])
    lesson = make_lesson(course, "视频课", kind="video")
    ready_video(lesson, duration=DURATION)
    viewer = Viewer(app, make_user(category="full_member"), lesson)
    viewer.open()
    fake_clock.now += 10
    assert viewer.beat((0, 10)).status_code == 200
    db.session.execute(db.update(CourseAudienceCategory)
                       .where(CourseAudienceCategory.course_id == course.id)
                       .values(category="probationary"))
    db.session.commit()
    fake_clock.now += 10
    refused = viewer.beat((10, 20))
    assert refused.status_code == 404 and refused.json["error"] == "观看记录不存在。"
