"""Taking a quiz through the web: lesson page, start, autosave API, reload, submit, result."""
import re
from datetime import timedelta

import pytest

from mooc.extensions import db as _db
from mooc.quizzes import attempts, paper
from mooc.quizzes.models import Attempt
from tests.conftest import csrf_token
from tests.quizzes.factories import fill, make_quiz, multiple, single, truefalse

META_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


@pytest.fixture
def quiz_setup(app):
    return make_quiz([single("单选题干", options=["对的", "错的", "也错"], correct=[0]),
                      multiple("多选题干"), truefalse("判断题干"), fill("填空题干____")],
                     pass_mark=60)


def lesson_url(course, lesson):
    return f"/courses/{course.id}/lessons/{lesson.id}"


def start(client, course, lesson):
    token = csrf_token(client, lesson_url(course, lesson))
    response = client.post(f"/quiz/{lesson.id}/start", data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return int(re.search(r"/quiz/attempts/(\d+)", response.headers["Location"]).group(1))


def page_token(client, attempt_id):
    html = client.get(f"/quiz/attempts/{attempt_id}").get_data(as_text=True)
    return META_RE.search(html).group(1), html


def save(client, attempt_id, token, answers):
    return client.post(f"/api/quiz/attempts/{attempt_id}/answers", json={"answers": answers},
                       headers={"X-CSRFToken": token})


def question_ids(attempt_id):
    attempt = _db.session.get(Attempt, attempt_id)
    return {item.data.stem: item.question.id for item in paper.shown(attempt)}


def test_lesson_page_shows_the_quiz_summary(client, login_as, quiz_setup):
    course, lesson, _quiz = quiz_setup
    login_as()
    html = client.get(lesson_url(course, lesson)).get_data(as_text=True)
    assert "开始测验" in html and "4 道" in html and "60 分" in html
    assert "题干" not in html  # no question leaks onto the lesson page


def test_autosave_then_reload_shows_the_answers(client, login_as, quiz_setup):
    course, lesson, _quiz = quiz_setup
    login_as()
    attempt_id = start(client, course, lesson)
    token, html = page_token(client, attempt_id)
    assert 'data-save-url="/api/quiz/attempts/' in html and "js/quiz.js" in html
    ids = question_ids(attempt_id)
    response = save(client, attempt_id, token, {
        str(ids["单选题干"]): 0, str(ids["多选题干"]): [0, 2], str(ids["判断题干"]): False,
        str(ids["填空题干____"]): "共产主义"})
    assert response.status_code == 200
    assert response.json["saved_at"].endswith("Z")
    # The same request again (a retry) is harmless.
    assert save(client, attempt_id, token, {str(ids["单选题干"]): 0}).status_code == 200
    _token, html = page_token(client, attempt_id)
    assert re.search(rf'name="q-{ids["单选题干"]}" value="0" checked', html)
    assert re.search(rf'name="q-{ids["多选题干"]}" value="0" checked', html)
    assert re.search(rf'name="q-{ids["多选题干"]}" value="2" checked', html)
    assert not re.search(rf'name="q-{ids["多选题干"]}" value="1" checked', html)
    assert re.search(rf'name="q-{ids["判断题干"]}" value="false" checked', html)
    assert 'value="共产主义"' in html
    state = client.get(f"/api/quiz/attempts/{attempt_id}").json
    assert state["answers"][str(ids["多选题干"])] == [0, 2] and state["status"] == "open"
    # Starting again (another tab, a double click) resumes the same attempt.
    assert start(client, course, lesson) == attempt_id


def test_submit_is_idempotent_and_closed_attempts_answer_409(client, login_as, quiz_setup):
    course, lesson, _quiz = quiz_setup
    login_as()
    attempt_id = start(client, course, lesson)
    token, _html = page_token(client, attempt_id)
    ids = question_ids(attempt_id)
    form = {"csrf_token": token, "shown": [str(i) for i in ids.values()],
            f"q-{ids['单选题干']}": "0", f"q-{ids['多选题干']}": ["0", "1", "2"],
            f"q-{ids['判断题干']}": "true", f"q-{ids['填空题干____']}": "共产主义"}
    first = client.post(f"/quiz/attempts/{attempt_id}/submit", data=form)
    assert first.status_code == 302 and first.headers["Location"].endswith("/result")
    # Double click / back button: the same single result, even with other answers.
    form[f"q-{ids['单选题干']}"] = "1"
    second = client.post(f"/quiz/attempts/{attempt_id}/submit", data=form)
    assert second.headers["Location"] == first.headers["Location"]
    replay = client.post(f"/api/quiz/attempts/{attempt_id}/submit", json={},
                         headers={"X-CSRFToken": token})
    assert replay.status_code == 200 and replay.json["score"] == 100.0
    assert _db.session.query(Attempt).count() == 1
    html = client.get(f"/quiz/attempts/{attempt_id}/result").get_data(as_text=True)
    assert '<span class="stat" id="score">100.0</span>' in html and "通过" in html
    assert "参考答案" in html  # feedback after submit by default
    closed = save(client, attempt_id, token, {str(ids["单选题干"]): 1})
    assert closed.status_code == 409
    assert closed.json["code"] == 409 and "已交卷" in closed.json["error"]
    assert closed.json["result_url"].endswith(f"/quiz/attempts/{attempt_id}/result")
    # The attempt page of a closed attempt goes to its result.
    assert client.get(f"/quiz/attempts/{attempt_id}").status_code == 302


def test_bad_api_input_is_a_json_400_never_a_500(client, login_as, quiz_setup):
    course, lesson, _quiz = quiz_setup
    login_as()
    attempt_id = start(client, course, lesson)
    token, _html = page_token(client, attempt_id)
    ids = question_ids(attempt_id)
    for body in ("not json", [], {"answers": "x"}, {"answers": {"abc": 1}},
                 {"answers": {str(ids["单选题干"]): "Z"}}, {"answers": {"99999999": 1}}):
        response = client.post(f"/api/quiz/attempts/{attempt_id}/answers",
                               data=body if isinstance(body, str) else None,
                               json=None if isinstance(body, str) else body,
                               headers={"X-CSRFToken": token})
        assert response.status_code == 400, body
        assert response.is_json and response.json["code"] == 400 and response.json["error"]
    no_token = client.post(f"/api/quiz/attempts/{attempt_id}/answers", json={"answers": {}})
    assert no_token.status_code == 400 and no_token.json["reason"] == "csrf"


def test_time_up_page_does_not_write_and_submits_by_post(client, login_as, quiz_setup,
                                                          monkeypatch):
    course, lesson, quiz = quiz_setup
    quiz.time_limit_seconds = 60
    _db.session.commit()
    login_as()
    attempt_id = start(client, course, lesson)
    token, html = page_token(client, attempt_id)
    assert 'data-remaining="' in html and "剩余" in html
    later = attempts.now() + timedelta(minutes=5)
    monkeypatch.setattr(attempts, "now", lambda: later)
    html = client.get(f"/quiz/attempts/{attempt_id}").get_data(as_text=True)
    assert "答题时间已到" in html and 'id="time-up-form"' in html
    assert _db.session.get(Attempt, attempt_id).is_open  # GET changed nothing
    response = client.post(f"/quiz/attempts/{attempt_id}/submit", data={"csrf_token": token})
    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Attempt, attempt_id).submit_reason == "timeout"


def test_others_cannot_see_or_touch_an_attempt(client, app, login_as, make_user, quiz_setup):
    course, lesson, _quiz = quiz_setup
    login_as()
    attempt_id = start(client, course, lesson)
    token, _html = page_token(client, attempt_id)
    other = app.test_client()
    from tests.conftest import login
    login(other, make_user(username="other").username)
    other_token = csrf_token(other, "/home")
    assert other.get(f"/quiz/attempts/{attempt_id}").status_code == 404
    assert other.get(f"/quiz/attempts/{attempt_id}/result").status_code == 404
    assert other.get(f"/api/quiz/attempts/{attempt_id}").status_code == 404
    response = other.post(f"/api/quiz/attempts/{attempt_id}/answers", json={"answers": {}},
                          headers={"X-CSRFToken": other_token})
    assert response.status_code == 404 and response.json["code"] == 404


def test_outsiders_get_404_for_restricted_quizzes(client, login_as, make_org, make_user):
    unit = make_org("定向支部")
    from tests.catalog_factories import make_course
    course = make_course(visibility="restricted", orgs=[unit])
    course, lesson, _quiz = make_quiz([single("单选")], course=course)
    login_as(username="outsider")
    token = csrf_token(client, "/home")
    assert client.post(f"/quiz/{lesson.id}/start", data={"csrf_token": token}).status_code == 404
    assert client.get(lesson_url(course, lesson)).status_code == 404


@pytest.mark.parametrize("policy, shown", [("after_submit", True), ("never", False),
                                           ("after_last_attempt", False)])
def test_feedback_policy_on_the_result_page(client, login_as, policy, shown):
    course, lesson, _quiz = make_quiz([single("单选", explanation="见党章总纲。")],
                                      show_feedback=policy, max_attempts=2)
    login_as()
    attempt_id = start(client, course, lesson)
    token, _html = page_token(client, attempt_id)
    client.post(f"/quiz/attempts/{attempt_id}/submit", data={"csrf_token": token})
    html = client.get(f"/quiz/attempts/{attempt_id}/result").get_data(as_text=True)
    assert ("见党章总纲。" in html) is shown
    assert "0.0" in html  # the score is always shown
    if policy == "after_last_attempt":
        second = start(client, course, lesson)
        client.post(f"/quiz/attempts/{second}/submit", data={"csrf_token": token})
        html = client.get(f"/quiz/attempts/{second}/result").get_data(as_text=True)
        assert "见党章总纲。" in html
        assert "作答次数已用完" in client.get(lesson_url(course, lesson)).get_data(as_text=True)
