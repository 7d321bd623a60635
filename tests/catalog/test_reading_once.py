"""Issue 15 item 5: a reading token counts once; one lesson earns reading time at a time."""
from mooc.catalog.models import Enrollment  # noqa: F401  (models loaded)
from tests.catalog.test_reading import clock, course, finish, open_lesson, progress_row  # noqa: F401
from tests.catalog_factories import make_course


def test_reposting_a_token_credits_nothing_more(client, login_as, course, clock):
    user = login_as()
    first = course.ordered_lessons()[0]
    token, csrf = open_lesson(client, course, first)
    clock.now += 241
    finish(client, course, first, token, csrf)
    assert progress_row(user, first).time_spent_seconds == 241
    for _ in range(5):
        clock.now += 3600
        text = finish(client, course, first, token, csrf).get_data(as_text=True)
        assert "已经记录过了" in text
    assert progress_row(user, first).time_spent_seconds == 241


def test_lessons_opened_together_earn_reading_time_one_after_another(client, login_as, clock):
    course = make_course(lessons=5, body="字" * 800)         # 120 s each
    user = login_as()
    lessons = course.ordered_lessons()
    tokens = [open_lesson(client, course, lesson) for lesson in lessons]
    clock.now += 241
    first = finish(client, course, lessons[0], *tokens[0]).get_data(as_text=True)
    assert "已完成本课时" in first
    second = finish(client, course, lessons[1], *tokens[1]).get_data(as_text=True)
    assert "还需 120 秒" in second                            # timed from the last credit
    assert progress_row(user, lessons[1]) is None
    clock.now += 120
    assert "已完成本课时" in finish(client, course, lessons[1], *tokens[1]).get_data(as_text=True)
    assert progress_row(user, lessons[0]).time_spent_seconds == 241
    assert progress_row(user, lessons[1]).time_spent_seconds == 120
    for lesson in lessons[2:]:
        assert progress_row(user, lesson) is None


def test_old_token_uses_are_pruned(app, client, login_as, course, clock, db):
    from mooc.catalog import reading
    from mooc.catalog.reading_models import ReadingTokenUse
    login_as()
    first, second = course.ordered_lessons()
    token, csrf = open_lesson(client, course, first)
    clock.now += 200
    finish(client, course, first, token, csrf)
    assert db.session.query(ReadingTokenUse).count() == 1
    clock.now += reading.TOKEN_MAX_AGE + 1
    token, csrf = open_lesson(client, course, second)
    clock.now += 200
    finish(client, course, second, token, csrf)
    assert db.session.query(ReadingTokenUse).count() == 1
