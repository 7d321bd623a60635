"""Recompute: completions and hours are rebuilt from lesson progress with the same numbers."""
from datetime import datetime

from sqlalchemy import delete, func, select

from mooc.certificates.models import Certificate
from mooc.core import calendar
from mooc.extensions import db as _db
from mooc.progress import completion, hours, services
from mooc.progress.models import CourseCompletion
from tests.catalog_factories import make_course, make_lesson
from tests.progress.test_completion import complete_course


def snapshot():
    return sorted(_db.session.execute(select(
        CourseCompletion.user_id, CourseCompletion.course_id, CourseCompletion.completed_at,
        CourseCompletion.year, CourseCompletion.hours)).all())


def finish_at(monkeypatch, moment, user, course):
    monkeypatch.setattr(services, "utcnow", lambda: moment)
    complete_course(user, course)
    monkeypatch.undo()


def test_recompute_twice_gives_identical_results(app, make_user, monkeypatch):
    alice, bob = make_user(), make_user()
    first, second = make_course(credit_hours=2), make_course(credit_hours=5)
    finish_at(monkeypatch, datetime(2026, 12, 31, 20, 0), alice, first)
    finish_at(monkeypatch, datetime(2026, 6, 1), bob, second)
    before = snapshot()
    report = completion.recompute()
    assert report.differences == 0 and report.checked == 2
    assert snapshot() == before
    assert completion.recompute().differences == 0 and snapshot() == before


def test_deleted_completions_come_back_with_the_same_years_and_hours(app, make_user,
                                                                       monkeypatch):
    alice = make_user()
    new_year, summer = make_course(credit_hours=2), make_course(credit_hours=1.5)
    finish_at(monkeypatch, datetime(2026, 12, 31, 20, 0), alice, new_year)
    finish_at(monkeypatch, datetime(2026, 7, 1), alice, summer)
    before = snapshot()
    hours_2026, hours_2027 = hours.hours_in_year(alice, 2026), hours.hours_in_year(alice, 2027)
    _db.session.execute(delete(CourseCompletion))
    _db.session.commit()
    report = completion.recompute()
    assert len(report.created) == 2
    assert snapshot() == before
    assert (hours.hours_in_year(alice, 2026), hours.hours_in_year(alice, 2027)) == \
        (hours_2026, hours_2027) == (1.5, 2.0)
    # The certificates already existed: restoring the facts does not issue new ones.
    assert _db.session.scalar(select(func.count(Certificate.id))) == 2


def test_recompute_for_one_user(app, make_user):
    alice, bob = make_user(), make_user()
    course = make_course()
    complete_course(alice, course)
    complete_course(bob, course)
    _db.session.execute(delete(CourseCompletion))
    _db.session.commit()
    report = completion.recompute(alice)
    assert [row[0] for row in report.created] == [alice.username]
    assert {row.user_id for row in _db.session.scalars(select(CourseCompletion))} == {alice.id}


def test_a_course_that_became_incomplete_is_reported_and_kept(app, make_user):
    user = make_user()
    course = make_course(credit_hours=3)
    complete_course(user, course)
    make_lesson(course, "新增必学课时")           # added after the learner finished
    report = completion.recompute()
    assert [row[:2] for row in report.stale] == [(user.username, course.title)]
    assert report.removed == [] and hours.hours_in_year(user, calendar.current_year()) == 3
    # --prune never removes a completion a certificate was issued for …
    report = completion.recompute(prune=True)
    assert report.removed == [] and len(snapshot()) == 1
    # … but does remove one without.
    _db.session.execute(delete(Certificate))
    _db.session.commit()
    report = completion.recompute(prune=True)
    assert len(report.removed) == 1 and snapshot() == []


def test_a_wrong_year_is_corrected(app, make_user):
    user = make_user()
    complete_course(user, make_course())
    row = _db.session.scalar(select(CourseCompletion))
    row.year += 5
    _db.session.commit()
    report = completion.recompute()
    assert len(report.year_fixed) == 1
    assert _db.session.scalar(select(CourseCompletion.year)) == calendar.local_year(
        row.completed_at)


def test_recompute_finds_completions_the_hook_could_not_see(app, make_user):
    """A lesson made optional after the learner finished the others: recompute credits it."""
    user = make_user()
    course = make_course(lessons=2)
    first, second = course.ordered_lessons()
    services.record_progress(user, first, 1.0)
    _db.session.commit()
    second.required = False
    _db.session.commit()
    assert snapshot() == []
    report = completion.recompute()
    assert len(report.created) == 1
    assert _db.session.scalar(select(func.count(Certificate.id))) == 1


def test_cli_recompute(app, make_user):
    user = make_user(username="laowang")
    complete_course(user, make_course(title="党章学习", credit_hours=2))
    runner = app.test_cli_runner()
    _db.session.execute(delete(CourseCompletion))
    _db.session.commit()
    result = runner.invoke(args=["progress", "recompute"])
    assert result.exit_code == 0, result.output
    assert "补记完成：laowang《党章学习》" in result.output and "发现 1 处差异" in result.output
    result = runner.invoke(args=["progress", "recompute", "--user", "laowang"])
    assert result.exit_code == 0 and "发现 0 处差异" in result.output
    result = runner.invoke(args=["progress", "recompute", "--user", "nobody"])
    assert result.exit_code != 0 and "找不到账号" in result.output
