"""Course completion: every lesson kind's completion reaches it, written exactly once."""
import os
import re
import threading
import uuid
from datetime import datetime

import pytest
from sqlalchemy import create_engine, func, select, text

from mooc.certificates.models import Certificate
from mooc.core import calendar
from mooc.extensions import db as _db
from mooc.progress import completion, services
from mooc.progress.models import CourseCompletion
from tests.catalog_factories import make_course, make_lesson
from tests.conftest import login

PG_URL = os.environ.get("TEST_DATABASE_URL")


def complete_course(user, course):
    """Complete every published lesson of the course, as the lesson kinds do."""
    for lesson in course.ordered_lessons():
        if lesson.published:
            services.record_progress(user, lesson, 1.0)
    _db.session.commit()


def completions(user=None):
    query = select(CourseCompletion)
    if user is not None:
        query = query.where(CourseCompletion.user_id == user.id)
    return list(_db.session.scalars(query))


def count(model):
    return _db.session.scalar(select(func.count()).select_from(model))


# --------------------------------------------------------------------------
# Each lesson kind completes the course through record_progress
# --------------------------------------------------------------------------

def test_text_lessons_complete_the_course_through_the_reading_token(app, client, make_user,
                                                                    monkeypatch):
    from mooc.catalog import reading
    now = [1_800_000_000.0]
    monkeypatch.setattr(reading, "clock", lambda: now[0])
    course = make_course(lessons=2, credit_hours=3)
    user = make_user()
    login(client, user.username)
    for lesson in course.ordered_lessons():
        url = f"/courses/{course.id}/lessons/{lesson.id}"
        page = client.get(url).get_data(as_text=True)
        token = re.search(r'name="reading_token" value="([^"]+)"', page).group(1)
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        assert not completions(user)
        now[0] += reading.MAX_SECONDS + 1
        response = client.post(url + "/complete", data={"csrf_token": csrf,
                                                         "reading_token": token})
        assert response.status_code == 302
    [done] = completions(user)
    assert done.course_id == course.id and done.hours == 3.0
    assert count(Certificate) == 1


def test_video_coverage_completes_the_course(app, make_user):
    from mooc.video import tracking
    course = make_course(lessons=0)
    lesson = make_lesson(course, "视频课", kind="video")
    user = make_user()
    state = tracking.LessonProgress()
    state.intervals = [(0.0, 50.0)]
    services.record_progress(user, lesson, 50 / 60, time_spent_seconds=50,
                             data={**state.to_json(), "asset_id": 1})
    _db.session.commit()
    assert not completions(user)
    state.intervals, state.completed = [(0.0, 58.0)], True
    services.record_progress(user, lesson, 1.0, time_spent_seconds=8,
                             data={**state.to_json(), "asset_id": 1})
    _db.session.commit()
    [done] = completions(user)
    assert done.course_id == course.id
    # Watching again (completed rows keep being reported) changes nothing.
    services.record_progress(user, lesson, 1.0, data={**state.to_json(), "asset_id": 1})
    _db.session.commit()
    assert len(completions(user)) == 1 and count(Certificate) == 1


def test_passing_the_quiz_completes_the_course(app, make_user):
    from mooc.quizzes import attempts, paper
    from tests.quizzes.factories import make_quiz, single
    course = make_course(lessons=0)
    _course, lesson, quiz = make_quiz([single("单选")], course=course, pass_mark=100)
    user = make_user()
    failed, _ = attempts.start_attempt(user, quiz)
    attempts.submit_attempt(failed)
    _db.session.commit()
    assert not completions(user)
    second, _ = attempts.start_attempt(user, quiz)
    [item] = paper.shown(second)
    attempts.save_answers(second, {item.question.id: item.data.correct[0]})
    attempts.submit_attempt(second)
    _db.session.commit()
    assert second.passed
    [done] = completions(user)
    assert done.course_id == course.id and count(Certificate) == 1


# --------------------------------------------------------------------------
# The course-level rule
# --------------------------------------------------------------------------

def test_optional_lessons_do_not_block_completion(app, make_user):
    course = make_course(lessons=0)
    required = make_lesson(course, "必学")
    optional = make_lesson(course, "选学", required=False)
    user = make_user()
    services.record_progress(user, required, 1.0)
    _db.session.commit()
    [done] = completions(user)
    assert optional.id not in {r.lesson_id for r in services.progress_for(user, [optional.id])
                               .values()}
    assert done.course_id == course.id


def test_unpublished_lessons_do_not_count(app, make_user):
    course = make_course(lessons=0)
    live = make_lesson(course, "已发布")
    make_lesson(course, "草稿", published=False)
    user = make_user()
    services.record_progress(user, live, 1.0)
    _db.session.commit()
    assert len(completions(user)) == 1


def test_every_required_lesson_must_be_complete(app, make_user):
    course = make_course(lessons=3)
    user = make_user()
    first, second, third = course.ordered_lessons()
    services.record_progress(user, first, 1.0)
    services.record_progress(user, second, 0.99)
    services.record_progress(user, third, 1.0)
    _db.session.commit()
    assert not completions(user)
    services.record_progress(user, second, 1.0)
    _db.session.commit()
    [done] = completions(user)
    rows = services.progress_for(user, [first.id, second.id, third.id])
    # The completion moment is the last lesson's, so recompute derives the same one.
    assert done.completed_at == max(r.completed_at for r in rows.values())


def test_a_course_with_nothing_to_study_is_never_complete(app, make_user):
    course = make_course(lessons=0)
    user = make_user()
    assert completion.update_course_completion(user, course) == (None, False)


def test_hours_are_the_credit_at_completion_time(app, make_user):
    course = make_course(lessons=1, credit_hours=2.5)
    user = make_user()
    complete_course(user, course)
    course.credit_hours = 8
    _db.session.commit()
    assert completions(user)[0].hours == 2.5
    other = make_user()
    complete_course(other, course)
    assert completions(other)[0].hours == 8.0


def test_update_is_idempotent(app, make_user):
    course = make_course(lessons=1)
    user = make_user()
    complete_course(user, course)
    first, created = completion.update_course_completion(user, course)
    again, created_again = completion.update_course_completion(user, course)
    assert not created and not created_again and first.id == again.id
    assert count(CourseCompletion) == 1 and count(Certificate) == 1


# --------------------------------------------------------------------------
# Exactly once under concurrency
# --------------------------------------------------------------------------

def test_a_lost_race_reuses_the_winners_row(app, make_user, monkeypatch):
    """Both requests saw "no completion yet"; the second INSERT hits the unique key and
    must neither raise nor issue a second certificate."""
    course = make_course(lessons=1)
    user = make_user()
    complete_course(user, course)
    assert count(CourseCompletion) == 1
    real = completion.completion_for
    calls = []

    def stale_first_read(user_id, course_id):
        calls.append(1)
        return None if len(calls) == 1 else real(user_id, course_id)

    monkeypatch.setattr(completion, "completion_for", stale_first_read)
    row, created = completion.update_course_completion(user, course)
    _db.session.commit()
    assert not created and row is not None
    assert count(CourseCompletion) == 1 and count(Certificate) == 1


def _race(app, user_id, lesson_id, workers=4):
    """`workers` threads complete the same last lesson at once, each in its own session."""
    from mooc.accounts.models import User
    from mooc.catalog.models import Lesson
    errors, barrier = [], threading.Barrier(workers)

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                services.record_progress(_db.session.get(User, user_id),
                                         _db.session.get(Lesson, lesson_id), 1.0)
                _db.session.commit()
            except Exception as exc:  # pragma: no cover - the assertion shows it
                _db.session.rollback()
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_completions_write_one_row_sqlite(app, make_user):
    course = make_course(lessons=2)
    user = make_user()
    first, last = course.ordered_lessons()
    services.record_progress(user, first, 1.0)
    user_id, lesson_id = user.id, last.id
    _db.session.commit()  # a test transaction would hold SQLite's write lock
    errors = _race(app, user_id, lesson_id)
    assert errors == []
    _db.session.expire_all()
    assert count(CourseCompletion) == 1 and count(Certificate) == 1


@pytest.fixture
def pg_app(tmp_path):
    """The app on a throwaway PostgreSQL schema (TEST_DATABASE_URL)."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL not set: the PostgreSQL concurrency test is skipped")
    from config import TestingConfig, database_url
    from mooc import create_app
    schema = f"t_{uuid.uuid4().hex[:12]}"
    base = database_url(PG_URL)
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = (f"{base}{'&' if '?' in base else '?'}"
                                   f"options=-csearch_path%3D{schema}")
        INSTANCE_DIR = tmp_path / "instance"
        MEDIA_ROOT = tmp_path / "media"
        SEARCH_INDEX_DIR = tmp_path / "search_index"

    app = create_app(Config)
    with app.app_context():
        _db.create_all()
        yield app
        _db.session.remove()
        _db.engine.dispose()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.mark.postgres
def test_concurrent_completions_write_one_row_postgres(pg_app):
    from tests.factories import make_user
    course = make_course(lessons=2)
    user = make_user()
    first, last = course.ordered_lessons()
    services.record_progress(user, first, 1.0)
    user_id, lesson_id = user.id, last.id
    _db.session.commit()
    errors = _race(pg_app, user_id, lesson_id, workers=6)
    assert errors == []
    _db.session.expire_all()
    assert count(CourseCompletion) == 1 and count(Certificate) == 1


@pytest.mark.postgres
def test_two_sessions_inserting_at_once_on_postgres(pg_app):
    """Session A inserts and holds its transaction open; B's INSERT waits for it, then
    does nothing and finds A's row — no IntegrityError, one certificate."""
    from mooc.accounts.models import User
    from mooc.catalog.models import Course
    from tests.factories import make_user
    course = make_course(lessons=1)
    user = make_user()
    services.record_progress(user, course.ordered_lessons()[0], 1.0)
    _db.session.commit()
    _db.session.execute(_db.delete(Certificate))
    _db.session.execute(_db.delete(CourseCompletion))
    _db.session.commit()
    user_id, course_id = user.id, course.id
    a_inserted, results = threading.Event(), {}

    def session_b():
        with pg_app.app_context():
            a_inserted.wait(10)
            results["b"] = completion.update_course_completion(
                _db.session.get(User, user_id), _db.session.get(Course, course_id))[1]
            _db.session.commit()

    thread = threading.Thread(target=session_b)
    thread.start()
    with pg_app.app_context():
        results["a"] = completion.update_course_completion(
            _db.session.get(User, user_id), _db.session.get(Course, course_id))[1]
        a_inserted.set()
        thread.join(timeout=1)          # B is blocked on A's uncommitted row
        assert thread.is_alive()
        _db.session.commit()
    thread.join(timeout=30)
    assert results == {"a": True, "b": False}
    _db.session.expire_all()
    assert count(CourseCompletion) == 1 and count(Certificate) == 1


def test_local_year_follows_the_site_time_zone(app):
    assert calendar.local_year(datetime(2026, 12, 31, 15, 59)) == 2026
    assert calendar.local_year(datetime(2026, 12, 31, 16, 0)) == 2027
    app.config["BABEL_DEFAULT_TIMEZONE"] = "UTC"
    assert calendar.local_year(datetime(2026, 12, 31, 20, 0)) == 2026
