"""Reading a JSON request body: the views that take JSON get a checked object or a 400.

    body = json_body()               # a dict, or 400 {"error", "code": 400, "reason": "bad_json"}
    body = json_body(optional=True)  # the same, but no body at all gives {}
    value = json_or_none()           # any decoded value, or None (the caller checks the shape)
    value = json_or_none(text)       # the same for JSON sent as text (e.g. in a form field)

A body that is not JSON, cannot be decoded (bad UTF-8, syntax, a number too long for
int()), nests deeper than MAX_DEPTH (also what the decoder cannot handle, which raises
RecursionError rather than ValueError) or, for json_body, is not an object, is refused
with a 400 in the user's language — JSON for API calls, a page otherwise
(mooc.core.errors). HTML form routes never read JSON: see mooc.core.forms.Form.
"""
import json

from flask import request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

MAX_DEPTH = 32  # far more than any client sends; keeps later json.dumps() and walks safe


class BadJSON(BadRequest):
    """400 for an unusable JSON body; errors.http_error answers with its message and reason."""

    reason = "bad_json"

    def __init__(self, message):
        super().__init__(message)
        self.zh_message = message


def _not_json():
    return BadJSON(_("请求格式无效：请求内容应为 JSON。"))


def _bad_structure():
    return BadJSON(_("请求格式无效：JSON 数据的结构不正确。"))


def _too_deep(value):
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def _checked(decode):
    try:
        value = decode()
    except (BadRequest, ValueError):  # bad UTF-8, bad syntax, an integer too long for int()
        raise _not_json() from None
    except RecursionError:  # what the decoder raises for deep nesting, not ValueError
        raise _bad_structure() from None
    if _too_deep(value):
        raise _bad_structure()
    return value


def _decode(optional):
    if optional and not request.get_data(cache=True):
        return {}
    if not request.is_json:
        raise _not_json()
    return _checked(request.get_json)


def json_body(optional=False):
    """The request's JSON body as a dict, or a 400 (BadJSON) in the user's language when
    it is missing, not JSON, undecodable, nested too deeply or not an object.
    With optional=True an empty body counts as {}."""
    value = _decode(optional)
    if not isinstance(value, dict):
        raise _bad_structure()
    return value


def bytes_or_none(data):
    """`json_or_none` for a body already read as bytes (the fast path has no request)."""
    try:
        return _checked(lambda: json.loads(data))
    except BadJSON:
        return None


def json_or_none(text=None):
    """The decoded JSON body (any type) — or, given `text`, that text decoded (JSON sent
    in a form field) — or None when it is missing, not JSON, undecodable or nested too
    deeply: for views whose own checks answer a bad shape."""
    try:
        if text is not None:
            return _checked(lambda: json.loads(text))
        return _decode(optional=False)
    except BadJSON:
        return None
