"""core.fastpath: the hot JSON routes answered beside Flask (issue 13).

The fast path may only *accept* what the full stack accepts; everything else must be
handed to Flask, body intact, and answered exactly as before. Each test here would fail
if the middleware served a request Flask refuses, or refused one Flask serves.
"""
import time

import pytest

from mooc.core import fastpath
from mooc.video import beats
from tests.catalog_factories import make_course, make_lesson
from tests.video.test_video_media import ready_video
from tests.video.test_video_watch import Viewer, fake_clock  # noqa: F401  (fixture)


@pytest.fixture
def viewer(app, make_user, fake_clock):
    lesson = make_lesson(make_course(lessons=0), "视频课", kind="video")
    ready_video(lesson, duration=600.0)
    viewer = Viewer(app, make_user(), lesson)
    viewer.open()
    return viewer


@pytest.fixture
def served(app, monkeypatch):
    """Records, per request, whether Flask (the inner WSGI app) answered it."""
    middleware = app.wsgi_app
    assert isinstance(middleware, fastpath.Middleware)
    calls = []
    inner = middleware.wsgi_app

    def flask_app(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return inner(environ, start_response)
    monkeypatch.setattr(middleware, "wsgi_app", flask_app)
    return calls


def _beat(viewer, fake_clock, n, **kw):
    fake_clock.now += 10
    return viewer.beat((n * 10.0, n * 10.0 + 10), **kw)


def test_a_valid_beat_is_answered_without_flask(viewer, fake_clock, served):
    response = _beat(viewer, fake_clock, 0)
    assert response.status_code == 200 and response.json["status"] == "ok"
    assert served == []
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_the_fast_answers_equal_flasks(app, make_user, fake_clock):
    """The same sequence of beats (credited, duplicate, too fast, forged, unknown session)
    answered with the fast path on and off: identical statuses and bodies."""
    answers = {}
    for fast in (True, False):
        app.config["FAST_ROUTES"] = fast
        lesson = make_lesson(make_course(lessons=0), "视频课", kind="video")
        ready_video(lesson, duration=600.0)
        viewer = Viewer(app, make_user(), lesson)
        viewer.open()
        got = [_beat(viewer, fake_clock, 0), viewer.beat((10, 20), seq=1),
               viewer.beat((10, 20)), _beat(viewer, fake_clock, 50),   # a skip ahead
               viewer.client.post("/api/video/sessions/nope/beats", headers=viewer.headers,
                                  json={"seq": 9})]
        fake_clock.now += 10
        got.append(viewer.client.post(viewer.session["beat_url"], headers=viewer.headers,
                                      data=b"{not json", content_type="application/json"))
        answers[fast] = [(r.status_code, _comparable(r.json)) for r in got]
    app.config["FAST_ROUTES"] = True
    assert answers[True] == answers[False]
    assert [status for status, _ in answers[True]] == [200, 200, 429, 200, 404, 400]


def _comparable(body):
    return {k: v for k, v in body.items() if k not in ("server_time",)}


def test_a_missing_or_wrong_csrf_token_goes_to_flask(viewer, fake_clock, served):
    for headers in ({"Accept": "application/json"},
                    {"Accept": "application/json", "X-CSRFToken": viewer.csrf[:-2] + "xx"}):
        fake_clock.now += 10
        response = viewer.client.post(viewer.session["beat_url"], headers=headers,
                                      json={"seq": 1, "segments": [[0, 10]]})
        assert response.status_code == 400
    assert len(served) == 2


def test_a_signed_out_device_goes_to_flask(app, viewer, fake_clock, served):
    cookie = viewer.client.get_cookie("session").value
    token = viewer.csrf
    assert viewer.client.post("/logout", data={"csrf_token": token}).status_code == 302
    copy = app.test_client()
    copy.set_cookie("session", cookie)
    fake_clock.now += 10
    response = copy.post(viewer.session["beat_url"], json={"seq": 1, "segments": [[0, 10]]},
                         headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 401
    assert served[-1] == viewer.session["beat_url"]


def test_a_tampered_or_expired_session_cookie_goes_to_flask(app, viewer, fake_clock, served,
                                                            monkeypatch):
    good = viewer.client.get_cookie("session").value
    viewer.client.set_cookie("session", good[:-3] + "abc")
    assert _beat(viewer, fake_clock, 0).status_code == 400   # no session: no CSRF token
    viewer.client.set_cookie("session", good)
    lifetime = app.permanent_session_lifetime.total_seconds()
    real = time.time
    monkeypatch.setattr(fastpath.time, "time", lambda: real() + lifetime + 60)
    _beat(viewer, fake_clock, 0)
    assert len(served) == 2


def test_the_first_login_password_gate_still_holds(viewer, fake_clock, served):
    with viewer.client.session_transaction() as session:
        session["must_change_password"] = True
    response = _beat(viewer, fake_clock, 0)
    assert response.status_code == 403 and response.json["reason"] == "must_change_password"
    assert served


def test_another_browser_with_a_fresh_session_goes_to_flask(viewer, fake_clock, served):
    """Session protection: Flask-Login marks the session non-fresh (it changes)."""
    fake_clock.now += 10
    response = viewer.client.post(viewer.session["beat_url"],
                                  headers={**viewer.headers, "User-Agent": "Other/1.0"},
                                  json={"seq": 1, "segments": [[0, 10]], "position": 10})
    assert response.status_code == 200 and served


def test_https_needs_a_same_origin_referrer(viewer, fake_clock, served):
    fake_clock.now += 10
    response = viewer.client.post(viewer.session["beat_url"], headers=viewer.headers,
                                  json={"seq": 1, "segments": [[0, 10]]},
                                  base_url="https://localhost")
    assert response.status_code == 400 and served   # Flask-WTF: the referrer is missing
    fake_clock.now += 10
    served.clear()
    response = viewer.client.post(viewer.session["beat_url"],
                                  headers={**viewer.headers, "Referer": "https://localhost/x"},
                                  json={"seq": 1, "segments": [[0, 10]], "position": 10},
                                  base_url="https://localhost")
    assert response.status_code == 200 and served == []


def test_form_bodies_and_large_bodies_go_to_flask_intact(viewer, fake_clock, served):
    fake_clock.now += 10
    response = viewer.client.post(viewer.session["beat_url"], headers=viewer.headers,
                                  data=b'{"seq": 1}', content_type="text/plain")
    assert response.status_code == 400 and len(served) == 1
    big = b'{"seq": 1, "pad": "' + b"x" * (70 * 1024) + b'"}'
    response = viewer.client.post(viewer.session["beat_url"], headers=viewer.headers,
                                  data=big, content_type="application/json")
    assert response.status_code == 400 and len(served) == 2


def test_an_unexpected_error_is_answered_by_flask(viewer, fake_clock, served, monkeypatch):
    real, failures = beats.heartbeat, []

    def fails_once(*args, **kwargs):
        if not failures:
            failures.append(1)
            raise RuntimeError("boom")
        return real(*args, **kwargs)
    monkeypatch.setattr(beats, "heartbeat", fails_once)
    response = _beat(viewer, fake_clock, 0)
    assert response.status_code == 200 and response.json["status"] == "ok"
    assert served == [viewer.session["beat_url"]]


def test_routes_with_unsupported_converters_are_refused():
    class Rule:
        rule, methods = "/x/<path:rest>", {"POST"}

    class App:
        class url_map:
            @staticmethod
            def iter_rules(endpoint):
                return [Rule()]
    with pytest.raises(RuntimeError):
        fastpath._pattern(App, "x")



# ---- quiz autosave and lesson visit: the same envelope, their own handlers ----

from tests.quizzes.test_take_web import lesson_url, page_token, question_ids, save, start  # noqa: E402
from tests.quizzes.test_take_web import quiz_setup  # noqa: E402,F401  (fixture)


@pytest.fixture
def taking(client, login_as, quiz_setup):  # noqa: F811
    course, lesson, _quiz = quiz_setup
    login_as()
    attempt_id = start(client, course, lesson)
    token, _html = page_token(client, attempt_id)
    return client, course, lesson, attempt_id, token


def test_autosave_and_visit_are_answered_without_flask(taking, served):
    client, course, lesson, attempt_id, token = taking
    ids = list(question_ids(attempt_id).values())
    response = save(client, attempt_id, token, {str(ids[0]): 0})
    assert response.status_code == 200 and response.json["saved"] == [ids[0]]
    visit = client.post(lesson_url(course, lesson) + "/visit", headers={"X-CSRFToken": token})
    assert visit.status_code == 200 and visit.json == {"recorded": True}
    assert served == []


def test_refused_saves_and_visits_are_flasks_to_answer(app, taking, served, make_user):
    """Bad bodies, another member's attempt, a lesson that does not exist: Flask's
    answers, in the user's language, with the fast path on as with it off."""
    client, course, lesson, attempt_id, token = taking
    requests = [
        lambda: client.post(f"/api/quiz/attempts/{attempt_id}/answers", data=b"[1]",
                            content_type="application/json", headers={"X-CSRFToken": token}),
        lambda: save(client, attempt_id, token, "not a dict"),
        lambda: save(client, attempt_id + 999, token, {"1": 0}),
        lambda: client.post(f"/courses/{course.id}/lessons/{lesson.id + 999}/visit",
                            headers={"X-CSRFToken": token, "Accept": "application/json"}),
    ]
    answers = {}
    for fast in (True, False):
        app.config["FAST_ROUTES"] = fast
        answers[fast] = [(r.status_code, r.get_json()) for r in (send() for send in requests)]
    app.config["FAST_ROUTES"] = True
    assert answers[True] == answers[False]
    assert [status for status, _ in answers[True]] == [400, 400, 404, 404]
    assert len(served) == 2 * len(requests)
