"""LessonProgress: one row per user × lesson, progress that never goes down."""
import math
import threading

import pytest
from sqlalchemy import func, select

from mooc.extensions import db as _db
from mooc.progress import services
from mooc.progress.models import LessonProgress
from tests.catalog_factories import make_course, make_lesson


@pytest.fixture
def course(app):
    return make_course(lessons=3)


def count_rows():
    return _db.session.scalar(select(func.count(LessonProgress.id)))


def test_progress_never_decreases(make_user, course):
    user = make_user()
    lesson = course.ordered_lessons()[0]
    services.record_progress(user, lesson, 0.6, time_spent_seconds=30)
    services.record_progress(user, lesson, 0.2, time_spent_seconds=10)
    _db.session.commit()
    row = _db.session.scalar(select(LessonProgress))
    assert row.progress == 0.6 and row.completed_at is None and row.time_spent_seconds == 40
    services.record_progress(user, lesson, 1.0)
    completed_at = row.completed_at
    services.record_progress(user, lesson, 0.0, data={"position": 12})
    _db.session.commit()
    assert row.progress == 1.0 and row.completed_at == completed_at and completed_at
    assert row.data == {"position": 12}
    assert count_rows() == 1


@pytest.mark.parametrize("value, expected", [(-1, 0.0), (7, 1.0), ("0.5", 0.5)])
def test_fractions_are_clamped(make_user, course, value, expected):
    user = make_user()
    row = services.record_progress(user, course.ordered_lessons()[0], value)
    assert row.progress == expected


@pytest.mark.parametrize("value", [math.nan, "abc", None])
def test_nonsense_fractions_raise(make_user, course, value):
    with pytest.raises(ValueError):
        services.record_progress(make_user(), course.ordered_lessons()[0], value)


def test_negative_or_huge_time_is_not_credited(make_user, course):
    user, lesson = make_user(), course.ordered_lessons()[0]
    row = services.record_progress(user, lesson, 0.1, time_spent_seconds=-500)
    assert row.time_spent_seconds == 0
    row = services.record_progress(user, lesson, 0.1, time_spent_seconds=10 ** 9)
    assert row.time_spent_seconds == services.MAX_TIME_PER_REPORT


def test_concurrent_first_writes_make_one_row(app, make_user, course):
    """Two requests recording the first progress at once: one row, no IntegrityError."""
    user = make_user()
    lesson = course.ordered_lessons()[0]
    user_id, lesson_id = user.id, lesson.id
    _db.session.commit()
    errors, barrier = [], threading.Barrier(4)

    def worker(fraction):
        with app.app_context():
            try:
                from mooc.accounts.models import User
                from mooc.catalog.models import Lesson
                barrier.wait()
                services.record_progress(_db.session.get(User, user_id),
                                         _db.session.get(Lesson, lesson_id), fraction)
                _db.session.commit()
            except Exception as exc:  # pragma: no cover - the assertion shows it
                errors.append(exc)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=worker, args=(f,)) for f in (0.3, 0.9, 0.5, 0.7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    _db.session.expire_all()
    assert count_rows() == 1
    assert _db.session.scalar(select(LessonProgress.progress)) == 0.9


def test_course_progress_counts_required_published_lessons(make_user, course):
    user = make_user()
    first, second, third = course.ordered_lessons()
    third.required = False
    make_lesson(course, "未发布", published=False)
    _db.session.commit()
    services.record_progress(user, first, 1.0)
    services.record_progress(user, third, 1.0)  # optional: does not count
    services.record_progress(user, second, 0.5)
    _db.session.commit()
    summary = services.course_progress(user, course)
    assert (summary.completed, summary.total, summary.percent) == (1, 2, 50)
    assert not summary.is_complete
    services.record_progress(user, second, 1.0)
    _db.session.commit()
    summary = services.course_progress(user, course)
    assert summary.is_complete and summary.fraction == 1.0
    assert services.course_fractions(user, [course]) == {course.id: 1.0}


def test_progress_survives_lesson_updates(make_user, course):
    """Package re-import updates lessons in place: same id, so progress is kept."""
    from mooc.catalog import services as catalog
    user = make_user()
    lesson = course.ordered_lessons()[0]
    services.record_progress(user, lesson, 1.0)
    _db.session.commit()
    updated, created = catalog.upsert_lesson(course, lesson.slug, None, chapter=lesson.chapter,
                                             title="新标题", body="新的正文")
    _db.session.commit()
    assert not created and updated.id == lesson.id
    assert services.course_progress(user, course).by_lesson[lesson.id].is_complete
