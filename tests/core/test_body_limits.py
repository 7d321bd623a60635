"""Issue 15 item 6: small request bodies by default, larger ones only where files go."""
import io

import pytest

from mooc.core import bodylimits

MiB = 1024 * 1024


class UnreadableBody(io.RawIOBase):
    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return 0

    def seek(self, *_args):
        return 0

    def readinto(self, _buffer):
        raise AssertionError("the body was read")


def test_an_anonymous_huge_post_is_refused_before_the_body_is_read(client):
    def wsgi_environ(environ):
        environ["wsgi.input"] = UnreadableBody()
        environ["CONTENT_LENGTH"] = str(200 * MiB)
        return environ
    app = client.application
    inner = app.wsgi_app
    app.wsgi_app = lambda environ, start: inner(wsgi_environ(environ), start)
    try:
        response = client.post("/login", data=b"x", content_type="application/x-www-form-urlencoded")
    finally:
        app.wsgi_app = inner
    assert response.status_code == 413
    assert "太大" in response.get_data(as_text=True)


def test_the_default_limit_is_a_few_megabytes(app):
    assert app.config["MAX_CONTENT_LENGTH"] <= 8 * MiB
    with app.test_request_context("/login", method="POST"):
        from flask import request
        assert request.max_content_length == app.config["MAX_CONTENT_LENGTH"]


@pytest.mark.parametrize("path, key", [
    ("/author/courses/1/lessons/1/video/uploads/abc/chunks", "VIDEO_UPLOAD_CHUNK_BYTES"),
    ("/author/courses/1/lessons/1/attachments", "MAX_ATTACHMENT_BYTES"),
    ("/author/courses/1/lessons/1/import-docx", "MAX_DOCX_BYTES"),
    ("/author/courses/1/images", "MAX_IMAGE_BYTES"),
    ("/author/courses/1/questions/import/preview", "MAX_IMPORT_BYTES"),
    ("/admin/users/import/preview", "MAX_IMPORT_BYTES"),
    ("/members/import/preview", "MAX_IMPORT_BYTES"),
    ("/members/import/confirm", "MAX_IMPORT_BYTES"),
])
def test_upload_routes_take_their_own_larger_limit(app, path, key):
    from flask import request
    with app.test_request_context(path, method="POST"):
        assert request.url_rule is not None, path
        expected = int(app.config.get(key) or bodylimits.DEFAULTS[key]) + bodylimits.FORM_SLACK
        assert request.max_content_length == expected
    with app.test_request_context("/author/courses/1/lessons/1/video", method="POST"):
        assert request.max_content_length == app.config["MAX_UPLOAD_BYTES"]
        assert request.max_content_length > app.config["MAX_CONTENT_LENGTH"]


def test_a_large_roster_upload_route_still_reads_a_body_over_the_default(app, client, login_as):
    login_as(role="admin")
    from tests.conftest import csrf_token
    token = csrf_token(client, "/admin/users/import")
    big = b"a" * (5 * MiB)
    response = client.post("/admin/users/import/preview",
                           data={"csrf_token": token, "file": (io.BytesIO(big), "名册.csv")})
    assert response.status_code != 413
