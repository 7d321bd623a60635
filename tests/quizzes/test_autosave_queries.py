"""Statement budgets of the quiz and lesson-visit hot paths (issue 13), authentication
included: autosave and the visit beacon run a small fixed number of statements and
never read while holding the write lock; start and submit read their permissions
before it. Counted as in tests/querycount.py (transaction control not counted)."""
import pytest

from mooc.extensions import db as _db
from tests.querycount import count_statements
from tests.quizzes.test_take_web import lesson_url, page_token, question_ids, save, start
from tests.quizzes.test_take_web import quiz_setup  # noqa: F401  (fixture)

AUTOSAVE_BUDGET = 5   # user, attempt + access, paper questions, claim UPDATE, answers UPSERT
VISIT_BUDGET = 3      # user, lesson + access + enrolment, UPDATE enrolment
START_BUDGET = 16     # resuming is cheaper; a new attempt draws the paper and records progress
SUBMIT_BUDGET = 40    # grading, the wrong-answer book and progress: not a per-second path


@pytest.fixture
def taking(client, login_as, quiz_setup):  # noqa: F811
    course, lesson, _quiz = quiz_setup
    login_as()
    urls = {"lesson": lesson_url(course, lesson), "start": f"/quiz/{lesson.id}/start"}
    return client, course, lesson, urls


def _first_write_after_reads(statements):
    begin = statements.index_of_write_begin()
    if begin is None:   # PostgreSQL: no BEGIN IMMEDIATE to look for
        return
    assert any(s.lstrip().upper().startswith("SELECT USER") or "FROM user" in s
               for s in statements.all[:begin]), statements.describe()


def test_autosave_costs_five_statements_whatever_the_number_of_answers(taking):
    client, course, lesson, _urls = taking
    attempt_id = start(client, course, lesson)
    token, _html = page_token(client, attempt_id)
    ids = list(question_ids(attempt_id).values())
    for answers in ({str(ids[0]): 0}, {str(i): None for i in ids}, {str(ids[0]): 1}):
        with count_statements(_db.engine) as statements:
            response = save(client, attempt_id, token, answers)
        assert response.status_code == 200, response.json
        assert len(statements) <= AUTOSAVE_BUDGET, statements.describe()
        assert statements.reads_inside_write() == [], statements.describe()


def test_visit_costs_three_statements(taking):
    client, course, lesson, urls = taking
    start(client, course, lesson)   # enrols
    token, _html = page_token(client, _db.session.scalar(
        _db.text("select max(id) from quiz_attempt")))
    with count_statements(_db.engine) as statements:
        response = client.post(urls["lesson"] + "/visit", headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.json == {"recorded": True}
    assert len(statements) <= VISIT_BUDGET, statements.describe()
    assert statements.reads_inside_write() == [], statements.describe()


def test_start_and_submit_read_their_permissions_before_the_write_lock(taking):
    client, course, lesson, urls = taking
    from tests.conftest import csrf_token
    form_token = csrf_token(client, urls["lesson"])
    with count_statements(_db.engine) as statements:
        response = client.post(urls["start"], data={"csrf_token": form_token})
    assert response.status_code == 302
    assert len(statements) <= START_BUDGET, statements.describe()
    _first_write_after_reads(statements)
    attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
    token, _html = page_token(client, attempt_id)
    with count_statements(_db.engine) as statements:
        response = client.post(f"/api/quiz/attempts/{attempt_id}/submit", json={},
                               headers={"X-CSRFToken": token})
    assert response.status_code == 200, response.json
    assert len(statements) <= SUBMIT_BUDGET, statements.describe()
    _first_write_after_reads(statements)
