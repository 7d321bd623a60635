"""Shared by test_fuzz_forms and test_fuzz_json: the URL-map walk with real sample objects.

Every route is visited with the URL parameters of real objects (the access matrix's
`sample_params`), so random input reaches the code behind the permission checks. A
learner gets an attempt and a watch session of their own for the quiz and video APIs.
Routes that end the session or destroy the sample objects run last.
"""
import re

from hypothesis import strategies as st

from tests.conftest import csrf_token, login

NAME_RE = re.compile(r'<(?:input|select|textarea|button)\b[^>]*\bname="([^"]+)"')
ATTEMPT_RE = re.compile(r"/quiz/attempts/(\d+)")
DESTRUCTIVE = ("logout", "delete", "deactivate", "archive", "unpublish", "remove", "change_password")

HOSTILE = ["", " ", "\x00", "a\x00b", "\ufeff", "\u202e\u202d", "\r\n", "../../etc/passwd",
           "<script>alert(1)</script>", "' OR 1=1 --", "%s%n%x", "{{7*7}}", "${7*7}",
           "9" * 30, "-1", "0", "1e309", "-1e309", "NaN", "inf", "true", "null", "[]", "{}",
           "𠀀𠀁🎉", "党" * 2000, "A" * 70000, "1" * 400, "2024-13-45", "admin", "1,2,3",
           "javascript:alert(1)", "http://127.0.0.1:1/", "//evil", "\\\\share\\x"]
hostile_text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))
JSON_KEYS = ["answers", "question_id", "response", "seq", "segments", "rate", "position",
             "final", "size", "filename", "offset", "beat", "csrf_token", "name", "title"]


def json_values(keys):
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 70, 2 ** 70),
                        st.floats(allow_nan=True, allow_infinity=True), hostile_text)
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=6),
            st.dictionaries(st.one_of(st.sampled_from(keys), st.text(max_size=12)), children,
                            max_size=6)),
        max_leaves=25)


def form_payloads(names):
    value = st.one_of(hostile_text, st.lists(hostile_text, min_size=1, max_size=3))
    return st.dictionaries(st.one_of(st.sampled_from(names), st.text(max_size=16)), value,
                           max_size=10)


def upload_files():
    heads = [b"", b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n", b"PK\x03\x04", b"\xff\xd8\xff",
             b"WEBVTT\n\n", b"\x00\x00\x00\x18ftypmp42", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"]
    return st.tuples(st.sampled_from(heads), st.binary(max_size=2048),
                     st.one_of(st.sampled_from(["a.pdf", "图.png", "名册.xlsx", "q.gift", "c.vtt",
                                                "v.mp4", "x.docx", "", "../../x.pdf"]),
                               st.text(max_size=30)))


def url_targets(app, params):
    """(method, url, endpoint) for every route, with the sample objects' ids."""
    from flask import url_for
    targets = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            values = {k: params.get(k, 1) for k in rule.arguments}
            try:
                url = url_for(rule.endpoint, **values)
            except Exception:  # noqa: BLE001 — a parameter we have no sample for
                continue
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                targets.append((method, url, rule.endpoint))
    targets.sort(key=lambda t: (any(word in t[2] for word in DESTRUCTIVE), t[2], t[0]))
    return targets


class World:
    """The signed-in client, its CSRF token, the targets and the field names seen."""

    def __init__(self, app, client, params, targets, names):
        self.app, self.client, self.params = app, client, params
        self.targets, self.names = targets, names
        self.token = None

    def refresh_token(self):
        try:
            self.token = csrf_token(self.client, "/home")
        except AssertionError:
            self.token = csrf_token(self.client, "/login")  # signed out by a fuzzed route
        return self.token


def build_world(app, make_user, make_org, role):
    from tests.core.test_access_matrix import USERS_FOR_ROLE, sample_params
    params, committee = sample_params(app, make_user, make_org)
    client = app.test_client()
    user = make_user(role=USERS_FOR_ROLE[role], org=committee if role == "branch_lead" else None)
    assert login(client, user.username).status_code == 302
    if role == "learner":
        _own_objects(client, params)
    targets = url_targets(app, params)
    names = set(JSON_KEYS) | {"csrf_token", "file", "q", "page", "next"}
    for method, url, _endpoint in targets:
        if method == "GET":
            response = client.get(url)
            if response.status_code == 200 and response.mimetype == "text/html":
                names.update(NAME_RE.findall(response.get_data(as_text=True)))
    names.discard("csrf_token")
    world = World(app, client, params, targets, sorted(names))
    world.refresh_token()
    return world


def _own_objects(client, params):
    """A learner's own attempt and watch session, so the APIs get past 'not yours'."""
    token = csrf_token(client, "/home")
    response = client.post(f"/quiz/{params['quiz_lesson_id']}/start", data={"csrf_token": token})
    match = ATTEMPT_RE.search(response.headers.get("Location", ""))
    if match:
        params["attempt_id"] = int(match.group(1))
    response = client.post(f"/api/video/lessons/{params['lesson_id']}/sessions",
                           headers={"X-CSRFToken": token})
    if response.status_code == 200 and response.is_json and response.json.get("session_id"):
        params["session_id"] = response.json["session_id"]


def describe(method, url, endpoint, payload):
    text = repr(payload)
    return f"{method} {url} ({endpoint}) with {text[:600]}{'…' if len(text) > 600 else ''}"
