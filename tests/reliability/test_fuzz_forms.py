"""Random and hostile form posts (and query strings) to every route never cause a 500.

Walks the URL map like tests/core/test_csrf.py, signed in as an admin and as a learner,
with a valid CSRF token: random field names (mostly real ones, scraped from the site's
forms), huge strings, unicode, null bytes, several values per field, random files.
Every answer must be < 500; a 4xx page carries a message.

Known 500s found by this walk are listed in KNOWN_500 with their reproduction and
reported to the owner; they are xfailed (strict) so the test turns green-on-fix.
"""
import io

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from tests.reliability import fuzz_settings
from tests.reliability.fuzz_walk import (build_world, describe, form_payloads, hostile_text,
                                         upload_files)

pytestmark = pytest.mark.fuzz
ROLES = ["admin", "learner"]
# endpoint → reason (a bug reported to the owner); the walk skips these and a separate,
# strict xfail test reproduces each one.
KNOWN_500 = {}
# Examples per route, as a share of the profile's max_examples: ~60 routes × 2 roles, so
# `make test` sends ~5 posts per route; `make fuzz` (thorough) sends ~80.
WALK_SCALE = 0.4


def _post_form(world, url, fields, upload):
    data = {}
    for name, value in fields.items():
        data[name] = value
    if upload is not None:
        head, body, filename = upload
        data["file"] = (io.BytesIO(head + body), filename)
    data["csrf_token"] = world.token
    return world.client.post(url, data=data, content_type="multipart/form-data")


def _check(world, method, url, endpoint, payload, response):
    note(describe(method, url, endpoint, payload))
    assert response.status_code < 500, describe(method, url, endpoint, payload)
    if response.status_code >= 400:
        assert response.get_data(), f"empty {response.status_code} body for {endpoint}"
    if response.status_code == 400 and response.is_json and \
            response.json.get("reason") == "csrf":
        world.refresh_token()  # the session was replaced (login/logout as a fuzzed route)


@pytest.mark.parametrize("role", ROLES)
def test_random_form_posts_never_cause_a_500(app, make_user, make_org, role):
    world = build_world(app, make_user, make_org, role)
    posts = [t for t in world.targets if t[0] in ("POST", "PUT", "PATCH", "DELETE")
             and t[2] not in KNOWN_500]
    assert len(posts) >= 20
    for method, url, endpoint in posts:
        @fuzz_settings(scale=WALK_SCALE)
        @given(fields=form_payloads(world.names),
               upload=st.one_of(st.none(), upload_files()))
        def post(fields, upload):
            response = _post_form(world, url, fields, upload)
            _check(world, method, url, endpoint, (fields, upload), response)

        post()


@pytest.mark.parametrize("role", ROLES)
def test_random_query_strings_never_cause_a_500(app, make_user, make_org, role):
    world = build_world(app, make_user, make_org, role)
    gets = [t for t in world.targets if t[0] == "GET" and t[2] not in KNOWN_500]
    assert len(gets) >= 20
    for method, url, endpoint in gets:
        @fuzz_settings(scale=WALK_SCALE / 2)
        @given(query=st.dictionaries(st.one_of(st.sampled_from(world.names + [
            "page", "q", "sort", "format", "job", "status", "org", "role", "active", "t"]),
            st.text(max_size=10)), hostile_text, max_size=5))
        def get(query):
            response = world.client.get(url, query_string=query)
            _check(world, method, url, endpoint, query, response)

        get()
