"""JSON bodies are read only where JSON is expected, and checked there.

* HTML form routes never see a JSON body: mooc.core.forms.Form reads request.form and
  request.files only (Flask-WTF would turn the JSON into form data), so a JSON post is
  an empty form and gets the route's normal validation answer — never a 500.
* JSON endpoints read their body with mooc.core.jsonbody: a body that is not JSON, not an
  object or nested too deeply is a 400 in the user's language, before any view code.
No error handler inspects tracebacks to turn 500s into 400s.
"""
import io
import re

import pytest
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField

from mooc.core import errors
from mooc.core.forms import Form
from mooc.core.jsonbody import MAX_DEPTH
from mooc.extensions import db
from mooc.quizzes.models import Attempt
from tests.catalog_factories import make_course, make_lesson
from tests.conftest import csrf_token
from tests.quizzes.factories import make_quiz, single

META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
HOSTILE_BODIES = [b"true", b"[1]", b"1", b'"x"', b"null", b"{",
                  b'{"username": [1, null], "password": {"a": [1]}, "remember": true}',
                  b'{"file": {"filename": "x.mp4"}, "csrf_token": [1]}',
                  b'{"username": ' + b"[" * 5000 + b"]" * 5000 + b"}"]
BAD_STRUCTURE = "请求格式无效：JSON 数据的结构不正确。"
NOT_JSON = "请求格式无效：请求内容应为 JSON。"


def test_the_error_handler_no_longer_inspects_tracebacks():
    assert not hasattr(errors, "is_unusable_json")
    assert not hasattr(errors, "_nested")


def test_every_form_in_the_app_derives_from_the_shared_form(app):
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [cls for cls in subclasses(FlaskForm) if cls.__module__.startswith("mooc.")]
    assert len(ours) > 20
    strays = [f"{cls.__module__}.{cls.__qualname__}" for cls in ours
              if cls is not Form and not issubclass(cls, Form)]
    assert strays == []


class _NameForm(Form):
    name = StringField()
    attachment = FileField()


@pytest.mark.parametrize("body", HOSTILE_BODIES + [b'{"name": "x"}'])
def test_a_form_ignores_a_json_body(app, body):
    with app.test_request_context("/", method="POST", data=body,
                                  content_type="application/json"):
        form = _NameForm(meta={"csrf": False})
        assert form.name.data is None
        assert form.validate() is True  # an empty post: nothing to crash on


def test_a_form_still_reads_form_posts_and_files(app):
    with app.test_request_context("/", method="POST", data={"name": "党课"}):
        assert _NameForm(meta={"csrf": False}).name.data == "党课"
    with app.test_request_context("/", method="POST", content_type="multipart/form-data",
                                  data={"name": "带附件", "attachment": (io.BytesIO(b"x"), "a.txt")}):
        form = _NameForm(meta={"csrf": False})
        assert form.name.data == "带附件" and form.attachment.data.filename == "a.txt"
    with app.test_request_context("/?name=x", method="GET"):
        assert _NameForm(meta={"csrf": False}).name.data is None  # GET is not a submission


def _post_json(client, url, body, token):
    return client.post(url, data=body, content_type="application/json",
                       headers={"X-CSRFToken": token})


@pytest.mark.parametrize("body", HOSTILE_BODIES)
def test_json_to_the_login_form_is_an_empty_form(app, client, make_user, body, caplog):
    make_user(username="dangyuan")
    token = csrf_token(client, "/login")
    response = _post_json(client, "/login", body, token)
    assert response.status_code == 200  # the login page again, with its form errors
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_valid_credentials_as_json_do_not_sign_in(client, make_user):
    make_user(username="dangyuan")
    token = csrf_token(client, "/login")
    response = client.post("/login", json={"username": "dangyuan", "password": "x"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert client.get("/home").status_code == 302  # still signed out


@pytest.fixture
def video_author(client, login_as, make_user):
    teacher = make_user(role="instructor")
    course = make_course(owner=teacher, lessons=0)
    lesson = make_lesson(course, "视频课", kind="video", actor=teacher)
    login_as(teacher)
    base = f"/author/courses/{course.id}/lessons/{lesson.id}/video"
    token = META_CSRF.search(client.get(base).get_data(as_text=True)).group(1)
    return base, token


@pytest.mark.parametrize("body", HOSTILE_BODIES)
def test_json_to_a_multipart_form_route_is_its_normal_400(client, video_author, body, caplog):
    base, token = video_author
    response = client.post(base, data=body, content_type="application/json",
                           headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 400
    assert response.json["error"] == "请选择要上传的视频文件。"  # the form's own answer
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


@pytest.fixture
def attempt(app, client, login_as):
    course, lesson, _quiz = make_quiz([single("单选题干", options=["对", "错"], correct=[0])])
    login_as()
    token = csrf_token(client, f"/courses/{course.id}/lessons/{lesson.id}")
    response = client.post(f"/quiz/{lesson.id}/start", data={"csrf_token": token})
    attempt_id = int(re.search(r"/quiz/attempts/(\d+)", response.headers["Location"]).group(1))
    html = client.get(f"/quiz/attempts/{attempt_id}").get_data(as_text=True)
    return attempt_id, META_CSRF.search(html).group(1)


def _nested(depth):
    return b'{"answers": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("body, message", [
    (b"[1]", BAD_STRUCTURE), (b"true", BAD_STRUCTURE), (b'"x"', BAD_STRUCTURE),
    (b"null", BAD_STRUCTURE), (_nested(MAX_DEPTH + 1), BAD_STRUCTURE),
    (_nested(5000), BAD_STRUCTURE),  # the decoder itself gives up (RecursionError)
    (b"{", NOT_JSON), (b"\xff\xfe\x00", NOT_JSON), (b'{"seq": ' + b"9" * 5000 + b"}", NOT_JSON),
])
@pytest.mark.parametrize("endpoint", ["answers", "submit"])
def test_the_quiz_api_refuses_unusable_json_with_a_chinese_400(client, attempt, body, message,
                                                               endpoint, caplog):
    attempt_id, token = attempt
    response = _post_json(client, f"/api/quiz/attempts/{attempt_id}/{endpoint}", body, token)
    assert response.status_code == 400
    assert response.json == {"error": message, "code": 400, "reason": "bad_json"}
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).is_open  # a refused submit changed nothing


def test_the_quiz_api_answers_in_english_for_an_english_user(client, attempt):
    attempt_id, token = attempt
    client.post("/preferences", data={"locale": "en", "csrf_token": token})
    response = _post_json(client, f"/api/quiz/attempts/{attempt_id}/answers", b"[1]", token)
    assert response.status_code == 400 and response.json["reason"] == "bad_json"
    assert response.json["error"] and response.json["error"] != BAD_STRUCTURE


def test_the_quiz_api_still_takes_good_bodies(client, attempt):
    attempt_id, token = attempt
    response = _post_json(client, f"/api/quiz/attempts/{attempt_id}/answers",
                          b'{"answers": {}}', token)
    assert response.status_code == 200
    # An empty submit (no body at all) submits what was saved.
    response = client.post(f"/api/quiz/attempts/{attempt_id}/submit",
                           headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.json["status"] != "open"


def test_a_json_route_outside_api_refuses_a_non_object(client, video_author):
    base, token = video_author
    response = _post_json(client, f"{base}/uploads", b"[1, 2]", token)
    assert response.status_code == 400
    assert response.json == {"error": BAD_STRUCTURE, "code": 400, "reason": "bad_json"}
    response = _post_json(client, f"{base}/uploads", b'{"size": 10, "filename": {"a": 1}}',
                          token)
    assert response.status_code == 200  # a filename of the wrong type is just dropped


@pytest.fixture
def viewer(app, make_user):
    from tests.video.test_video_media import ready_video
    from tests.video.test_video_watch import Viewer
    lesson = make_lesson(make_course(lessons=0), "视频课", kind="video")
    ready_video(lesson, duration=60.0)
    viewer = Viewer(app, make_user(), lesson)
    viewer.open()
    return viewer


@pytest.mark.parametrize("beat", ["[" * 5000 + "]" * 5000, '{"seq": ' + "[" * 40 + "]" * 40 + "}",
                                  '{"seq": ' + "9" * 5000 + "}", "{"])
def test_heartbeats_nested_too_deeply_are_the_documented_400(viewer, beat, caplog):
    """Beats keep their own message (docs/api.md): json_or_none() gives None instead."""
    beats = viewer.client.post(viewer.session["beat_url"], data=beat,
                               headers={**viewer.headers, "Content-Type": "application/json"})
    beacon = viewer.client.post(viewer.session["beacon_url"],
                                data={"beat": beat, "csrf_token": viewer.csrf})
    for response in (beats, beacon):
        assert response.status_code == 400
        assert response.json["error"] == "心跳数据格式不正确"
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
