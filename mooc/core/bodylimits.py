"""How many request-body bytes a route may read (issue 15).

`MAX_CONTENT_LENGTH` is small (4 MiB by default): an anonymous 200 MB POST to /login
is answered 413 from its Content-Length, before a byte of it is read (werkzeug checks
the limit when the body is first touched, which CSRF protection does first). Routes
that take files declare their own, larger limit with `@accepts_body(...)`:

    @bp.route("/import/preview", methods=["POST"])
    @accepts_body("MAX_IMPORT_BYTES")
    def import_preview(): ...

The decorator only marks the view (put it right under `@bp.route`, or under decorators
that keep `functools.wraps`); `LimitedRequest`, the app's request class, reads the mark
of the matched endpoint. A body without Content-Length is cut off at the same limit.
"""
from flask import Request, current_app

# Multipart framing, the CSRF token and the other fields on top of the file itself.
FORM_SLACK = 1024 * 1024
DEFAULTS = {
    "MAX_UPLOAD_BYTES": 2 * 1024 ** 3,
    "MAX_IMPORT_BYTES": 10 * 1024 ** 2,
    "MAX_IMAGE_BYTES": 5 * 1024 ** 2,
    "MAX_ATTACHMENT_BYTES": 50 * 1024 ** 2,
    "MAX_DOCX_BYTES": 20 * 1024 ** 2,
    "VIDEO_UPLOAD_CHUNK_BYTES": 8 * 1024 ** 2,
    "MAX_CAPTION_UPLOAD_BYTES": 8 * 1024 ** 2,
}


def accepts_body(config_key, slack=FORM_SLACK):
    """Mark a view as taking up to `config[config_key]` bytes (+ `slack` for the form)."""
    def mark(view):
        view.body_limit = (config_key, slack)
        return view
    return mark


def limit_for(view):
    key, slack = getattr(view, "body_limit", (None, 0))
    if key is None:
        return current_app.config["MAX_CONTENT_LENGTH"]
    return int(current_app.config.get(key) or DEFAULTS[key]) + slack


class LimitedRequest(Request):
    @property
    def max_content_length(self):
        if self._max_content_length is not None:
            return self._max_content_length
        if not current_app:
            return None
        view = current_app.view_functions.get(self.url_rule.endpoint) \
            if self.url_rule is not None else None
        return limit_for(view)

    @max_content_length.setter
    def max_content_length(self, value):
        self._max_content_length = value
