""""我的学习": the learners' home page."""
from datetime import date, timedelta

import pytest

from mooc.catalog import learning
from mooc.core import calendar
from mooc.core.models import utcnow
from mooc.core.registry import contributions
from mooc.certificates.models import Certificate
from mooc.extensions import db as _db
from mooc.progress import services, views
from tests.catalog_factories import make_course
from tests.conftest import login
from tests.progress.test_completion import complete_course


@pytest.fixture
def learner(make_user):
    return make_user(username="xuexi", name="李学习")


def page_text(client, url="/me/learning"):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_learners_land_on_my_learning_and_other_roles_keep_their_homes(app, client, make_user):
    learner = make_user()
    response = login(client, learner.username)
    assert client.get("/").headers["Location"].endswith("/me/learning")
    for role in ("admin", "branch_lead", "instructor"):  # their homes belong to others
        other = app.test_client()
        login(other, make_user(role=role).username)
        location = other.get("/").headers["Location"]
        assert not location.endswith("/me/learning"), (role, location)
    assert response.status_code == 302


def test_page_shows_courses_hours_and_certificates(app, client, learner):
    doing = make_course(title="正在学的课程", lessons=2, credit_hours=2)
    done = make_course(title="学完的课程", credit_hours=12)
    learning.enrol(learner, doing)
    services.record_progress(learner, doing.ordered_lessons()[0], 1.0)
    learning.enrol(learner, done)
    complete_course(learner, done)
    cert = _db.session.scalar(_db.select(Certificate))
    login(client, learner.username)
    text = page_text(client)
    assert "正在学的课程" in text and 'value="50"' in text          # progress bar at 50 %
    assert "学完的课程" in text
    assert '<span class="big-number" data-testid="hours-earned">12</span>' in text
    assert 'data-testid="hours-required">32</span>' in text and "还需 20 学时" in text
    assert f"/me/certificates/{cert.id}/pdf" in text and cert.serial in text
    assert "learning.css" in text


def test_due_dates_from_other_features_come_first(app, client, learner, monkeypatch):
    late = make_course(title="逾期必修课")
    soon = make_course(title="将到期必修课")
    today = calendar.local_date(utcnow())

    def assignments(user):
        assert user.id == learner.id
        return [(soon, today + timedelta(days=3), False), (late, today - timedelta(days=1), True)]

    def broken(user):
        raise RuntimeError("a bug elsewhere")

    monkeypatch.setattr(contributions(app), "due_sources", [assignments, broken])
    login(client, learner.username)
    text = page_text(client)
    assert text.index("必修课程截止日期") < text.index("年度学时")
    assert text.index("逾期必修课") < text.index("将到期必修课")
    assert "已逾期" in text and "还剩 3 天" in text


def test_no_due_section_without_sources(app, client, learner):
    login(client, learner.username)
    assert "必修课程截止日期" not in page_text(client)


@pytest.mark.parametrize("query", ["?year=abc", "?year=99999", "?year=-1", "?year=2025"])
def test_odd_years_never_fail(app, client, learner, query):
    login(client, learner.username)
    text = page_text(client, "/me/learning" + query)
    assert "年度学时" in text


def test_a_past_year_is_shown_on_request(app, client, learner, monkeypatch):
    from datetime import datetime
    monkeypatch.setattr(services, "utcnow", lambda: datetime(2024, 5, 1))
    complete_course(learner, make_course(credit_hours=7))
    monkeypatch.undo()
    login(client, learner.username)
    text = page_text(client)
    assert 'href="/me/learning?year=2024"' in text
    text = page_text(client, "/me/learning?year=2024")
    assert "2024 年度学时" in text and 'data-testid="hours-earned">7</span>' in text


def test_requires_login(app, client):
    response = client.get("/me/learning")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_no_requirement_is_said_plainly(app, client, learner):
    from mooc.progress import hours
    values = hours.requirement_rules()
    values["category:full_member"] = 0
    hours.save_requirements(values, None)
    _db.session.commit()
    login(client, learner.username)
    assert "本年度没有学时要求" in page_text(client)


def test_due_items_without_a_date_sort_last_and_done_ones_after_open_ones(app, monkeypatch):
    done, open_, undated = make_course(), make_course(), make_course()
    monkeypatch.setattr(contributions(app), "due_sources", [lambda user: [
        (undated, None, False), (done, date(2030, 1, 1), False),
        (open_, date(2031, 1, 1), False)]])
    ordered = views.due_items(object(), {done.id})
    assert [item[0].id for item in ordered] == [open_.id, undated.id, done.id]
    assert ordered[-1][3] is True
