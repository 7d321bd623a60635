"""Random JSON (wrong types, huge numbers, NaN, deep nesting, garbage bytes) to every
POST route never causes a 500; the JSON APIs answer a JSON 4xx with a message.

Every POST route gets random JSON bodies with a valid X-CSRFToken header (signed in as
an admin and as a learner). The quiz and video APIs get, in addition, bodies shaped like
the real ones with hostile values (answers keyed by the paper's real question ids, beats
with random seq/segments/rate/position), so the checks inside the services are reached.
"""
import json
import math

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from tests.reliability import fuzz_settings
from tests.reliability.fuzz_walk import JSON_KEYS, build_world, describe, hostile_text, json_values

pytestmark = pytest.mark.fuzz
ROLES = ["admin", "learner"]
KNOWN_500 = {}  # endpoint → reason (reported to the owner)
WALK_SCALE = 0.4  # examples per route as a share of the profile's (see test_fuzz_forms)


def _send(world, url, body, raw=False):
    data = body if raw else json.dumps(body, allow_nan=True)
    return world.client.post(url, data=data, content_type="application/json",
                             headers={"X-CSRFToken": world.token, "Accept": "application/json"})


def _check(world, method, url, endpoint, body, response):
    note(describe(method, url, endpoint, body))
    assert response.status_code < 500, describe(method, url, endpoint, body)
    if url.startswith("/api/") and response.status_code >= 400:
        assert response.is_json, f"{endpoint}: non-JSON {response.status_code}"
        assert response.json.get("error"), f"{endpoint}: {response.status_code} without a message"
    if response.status_code == 400 and response.is_json and \
            response.json.get("reason") == "csrf":
        world.refresh_token()


# Form-shaped JSON (text fields with the forms' own names): form routes must ignore it —
# mooc.core.forms.Form reads only request.form/files, never the JSON body as Flask-WTF does.
form_like_bodies = st.tuples(st.just(False), st.dictionaries(
    st.one_of(st.sampled_from(JSON_KEYS + ["name", "title", "username", "body", "stem"]),
              st.text(max_size=12)),
    st.one_of(hostile_text, st.lists(hostile_text, max_size=3)), max_size=8))

bodies = st.one_of(
    st.tuples(st.just(True), st.sampled_from([b"true", b"[1]", b"1", b'"x"', b"null"])),
    st.tuples(st.just(False), json_values(JSON_KEYS)),
    st.tuples(st.just(True), st.one_of(
        st.binary(max_size=512),
        st.sampled_from([b"", b"{", b"[1,", b'{"answers": {"1": ', b"\xff\xfe{}", b"null",
                         b'{"answers": ' + b"[" * 5000 + b"]" * 5000 + b"}",
                         b'{"seq": 1e999999}', b'"' + b"A" * 200_000 + b'"']))),
)


@pytest.mark.parametrize("role", ROLES)
def test_random_json_to_every_post_route_never_causes_a_500(app, make_user, make_org, role):
    world = build_world(app, make_user, make_org, role)
    posts = [t for t in world.targets if t[0] == "POST" and t[2] not in KNOWN_500]
    assert len(posts) >= 20
    for method, url, endpoint in posts:
        @fuzz_settings(scale=WALK_SCALE)
        @given(body=bodies if url.startswith("/api/") else st.one_of(bodies, form_like_bodies))
        def post(body):
            raw, payload = body
            response = _send(world, url, payload, raw=raw)
            _check(world, method, url, endpoint, payload, response)

        post()


numbers = st.one_of(st.integers(-2 ** 64, 2 ** 64), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0, 1, -1, 0.5, 1e308, -0.0, 2 ** 63, 2 ** 63 - 1]))
anything = st.one_of(numbers, hostile_text, st.none(), st.booleans(),
                     st.lists(st.one_of(numbers, hostile_text), max_size=5),
                     st.dictionaries(hostile_text, numbers, max_size=3))


def _question_ids(world):
    from mooc.extensions import db
    from mooc.quizzes.models import Attempt
    attempt = db.session.get(Attempt, world.params["attempt_id"])
    return [str(q) for q in attempt.question_ids] if attempt else ["1"]


def test_quiz_api_with_hostile_answers(app, make_user, make_org):
    world = build_world(app, make_user, make_org, "learner")
    qids = _question_ids(world)
    attempt_id = world.params["attempt_id"]
    answers = st.dictionaries(st.one_of(st.sampled_from(qids), hostile_text,
                                        st.integers().map(str)), anything, max_size=6)
    shaped = st.one_of(
        st.builds(lambda a: {"answers": a}, answers),
        st.builds(lambda q, r: {"question_id": q, "response": r},
                  st.one_of(st.sampled_from(qids), numbers, hostile_text, st.none(),
                            st.lists(st.integers(), max_size=2)), anything),
        st.builds(lambda a: {"answers": a}, anything))

    @fuzz_settings(scale=2)
    @given(body=shaped)
    def save(body):
        url = f"/api/quiz/attempts/{attempt_id}/answers"
        _check(world, "POST", url, "quiz_api.save", body, _send(world, url, body))

    save()

    @fuzz_settings()
    @given(body=shaped)
    def submit_then_save(body):
        # Submitting closes the attempt: later saves must answer 409, never 500.
        url = f"/api/quiz/attempts/{attempt_id}/submit"
        _check(world, "POST", url, "quiz_api.submit", body, _send(world, url, body))

    submit_then_save()
    save()


def test_quiz_api_question_id_of_the_wrong_type_is_a_400(app, make_user, make_org):
    world = build_world(app, make_user, make_org, "learner")
    url = f"/api/quiz/attempts/{world.params['attempt_id']}/answers"
    for bad in ([1], {"a": 1}):
        response = _send(world, url, {"question_id": bad, "response": "x"})
        assert response.status_code == 400, response.status_code


def _segment():
    return st.lists(numbers, min_size=0, max_size=3)


beats = st.fixed_dictionaries(
    {},
    optional={"seq": st.one_of(st.integers(-5, 2 ** 64), numbers, hostile_text),
              "segments": st.one_of(st.lists(_segment(), max_size=8), anything,
                                    st.lists(st.tuples(numbers, numbers).map(list), max_size=300)),
              "rate": anything, "position": anything, "final": anything})


def test_video_api_with_hostile_beats(app, make_user, make_org):
    world = build_world(app, make_user, make_org, "learner")
    session_id = world.params["session_id"]

    @fuzz_settings(scale=2)
    @given(beat=beats)
    def beat(beat):
        url = f"/api/video/sessions/{session_id}/beats"
        _check(world, "POST", url, "video_api.heartbeat", beat, _send(world, url, beat))

    @fuzz_settings()
    @given(beat=beats, extra=st.dictionaries(hostile_text, hostile_text, max_size=3))
    def beacon(beat, extra):
        url = f"/api/video/sessions/{session_id}/beacon"
        text = json.dumps(beat, allow_nan=True)
        response = world.client.post(url, data={**extra, "beat": text,
                                                "csrf_token": world.token})
        _check(world, "POST", url, "video_api.beacon", beat, response)

    beat()
    beacon()


def test_video_upload_api_with_hostile_json(app, make_user, make_org):
    world = build_world(app, make_user, make_org, "admin")
    base = (f"/author/courses/{world.params['course_id']}/lessons/"
            f"{world.params['lesson_id']}/video")

    @fuzz_settings()
    @given(body=st.fixed_dictionaries({}, optional={"size": anything, "filename": anything}),
           offset=st.one_of(hostile_text, numbers.map(str)))
    def upload(body, offset):
        response = _send(world, f"{base}/uploads", body)
        _check(world, "POST", f"{base}/uploads", "video.upload_begin", body, response)
        if response.status_code == 200 and response.is_json:
            chunk_url = response.json.get("chunk_url", "")
            chunk = world.client.post(chunk_url, query_string={"offset": offset},
                                      data=b"\x00" * 64,
                                      content_type="application/octet-stream",
                                      headers={"X-CSRFToken": world.token})
            _check(world, "POST", chunk_url, "video.upload_chunk", offset, chunk)
            finish = world.client.post(response.json.get("finish_url", ""),
                                       headers={"X-CSRFToken": world.token})
            _check(world, "POST", "finish", "video.upload_finish", body, finish)

    upload()


def test_nan_and_infinity_are_not_a_500():
    """Python's json accepts NaN/Infinity; the strategies above must be able to send them."""
    assert math.isnan(json.loads(json.dumps(float("nan"))))
