"""The hot JSON routes, served beside Flask's request machinery rather than through it.

Heartbeats (and the other hot writes a feature lists here) are most of the platform's
requests, and by issue 13's profile Flask's per-request work cost as much as the beat
itself: a request context, the session cookie's signature, CSRF's, Flask-Login,
Flask-Limiter's hooks, response hooks, `jsonify`. This WSGI middleware answers a
registered route itself when, and only when, the request is one Flask would accept
without changing anything:

* the session cookie's signature and age are valid (the same serializer and lifetime
  as Flask's session interface);
* the CSRF token (header) is valid for that session, checked as Flask-WTF's
  `CSRFProtect` does, including its Referer rule over HTTPS;
* the app's `session_user` hook (the accounts feature) finds a signed-in user in that
  session that Flask-Login would load without touching the session (no remember-me
  restore, no session-protection change, no first-password gate);
* the body is small enough for the route.

Anything else — no cookie, a bad token, a stale sign-in, a form body, an unexpected
error — is handed to Flask unchanged (body included), which answers it exactly as
before: 400/401/403 in Chinese, or serves it. So this path can only *accept* what the
full stack accepts, and everything it refuses is refused by the same code as ever.

Verifying a signature is an HMAC; both are cached per cookie/token value (with the
signing time, so ages are still checked), since a viewer sends the same cookie every
few seconds. The session is read-only here: nothing is written back, so no Set-Cookie.
"""
from __future__ import annotations

import functools
import hmac
import io
import json
import re
import time
from dataclasses import dataclass
from typing import Callable

from flask_wtf.csrf import same_origin
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.http import parse_cookie
from werkzeug.wsgi import get_host

from mooc.core import database, headers
from mooc.core.registry import contributions

JSON_TYPE = "application/json"
_CACHE_SIZE = 8192


class Fallback(Exception):
    """Raised by a handler: let Flask answer this request after all."""


@dataclass(frozen=True)
class FastRoute:
    endpoint: str          # the Flask view serving the same URL: the fall-back
    handler: Callable      # (user, payload bytes, **url values) -> (dict, status)
    max_body: int
    pattern: re.Pattern | None = None
    int_values: frozenset = frozenset()


def register(app, endpoint, handler, *, max_body=64 * 1024):
    """Serve POSTs to `endpoint`'s URL with `handler` when the request needs nothing but
    a valid signed-in session and CSRF token (see the module docstring)."""
    contributions(app).fast_routes.append(FastRoute(endpoint, handler, max_body))


def set_session_user(app, loader):
    """`loader(session dict, environ) -> user or None`: the signed-in user as Flask-Login
    would load it for this session without changing it, or None (then Flask answers)."""
    contributions(app).fast_session_user = loader


# `int` as the app's bounded converter (core.setup): at most 18 digits here, so every
# value fits a database integer; longer ones are Flask's to answer (404).
_CONVERTERS = {"default": r"[^/]+", "string": r"[^/]+", "int": r"[0-9]{1,18}"}


def _pattern(app, endpoint):
    rules = [rule for rule in app.url_map.iter_rules(endpoint) if "POST" in rule.methods]
    if len(rules) != 1:
        raise RuntimeError(f"fast route {endpoint!r}: expected one POST rule, got {len(rules)}")
    rule, parts, ints = rules[0], [], set()
    for converter, arguments, variable in _parse_rule(rule.rule):
        if converter is None:
            parts.append(re.escape(variable))
        elif converter not in _CONVERTERS or arguments:
            raise RuntimeError(f"fast route {endpoint!r}: converter {converter!r} unsupported")
        else:
            parts.append(f"(?P<{variable}>{_CONVERTERS[converter]})")
            if converter == "int":
                ints.add(variable)
    return re.compile("".join(parts) + r"\Z"), frozenset(ints)


_RULE_PART = re.compile(r"<(?:(?P<converter>[a-zA-Z_]\w*)(?:\((?P<args>.*?)\))?:)?"
                        r"(?P<variable>[a-zA-Z_]\w*)>")


def _parse_rule(rule):
    position = 0
    for found in _RULE_PART.finditer(rule):
        if found.start() > position:
            yield None, None, rule[position:found.start()]
        yield found.group("converter") or "default", found.group("args"), found.group("variable")
        position = found.end()
    if position < len(rule):
        yield None, None, rule[position:]


class _Signatures:
    """Flask's session serializer and Flask-WTF's token serializer, memoised per value."""

    def __init__(self, app):
        self.session_serializer = app.session_interface.get_signing_serializer(app)
        self.session_lifetime = app.permanent_session_lifetime.total_seconds()
        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        self.csrf_serializer = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")
        self.csrf_lifetime = app.config.get("WTF_CSRF_TIME_LIMIT", 3600)
        self.session = functools.lru_cache(_CACHE_SIZE)(self._session)
        self.csrf = functools.lru_cache(_CACHE_SIZE)(self._csrf)

    def _session(self, cookie):
        data, signed_at = self.session_serializer.loads(cookie, return_timestamp=True)
        return data, signed_at.timestamp()

    def _csrf(self, token):
        value, signed_at = self.csrf_serializer.loads(token, return_timestamp=True)
        return value, signed_at.timestamp()

    @staticmethod
    def _fresh(signed_at, lifetime):
        return not lifetime or time.time() - signed_at <= lifetime

    def session_data(self, cookie):
        try:
            data, signed_at = self.session(cookie)
        except (BadData, ValueError, TypeError):
            return None
        return data if self._fresh(signed_at, self.session_lifetime) else None

    def csrf_value(self, token):
        try:
            value, signed_at = self.csrf(token)
        except (BadData, ValueError, TypeError):
            return None
        return value if self._fresh(signed_at, self.csrf_lifetime) else None


class Middleware:
    """Installed as the innermost WSGI layer (ProxyFix and the like wrap it)."""

    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self._routes = None
        self._signatures = None

    def _table(self):
        if self._routes is None:
            found = contributions(self.app).fast_routes
            self._routes = [FastRoute(r.endpoint, r.handler, r.max_body,
                                      *_pattern(self.app, r.endpoint)) for r in found]
            self._signatures = _Signatures(self.app)
        return self._routes

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST" or not self.app.config.get("FAST_ROUTES", True):
            return self.wsgi_app(environ, start_response)
        path = environ.get("PATH_INFO", "")
        for route in self._table():
            found = route.pattern.match(path)
            if found:
                values = {name: int(value) if name in route.int_values else value
                          for name, value in found.groupdict().items()}
                return self._serve(route, values, environ, start_response)
        return self.wsgi_app(environ, start_response)

    def _serve(self, route, values, environ, start_response):
        body = _read_body(environ, route.max_body)
        if body is None:
            return self.wsgi_app(environ, start_response)
        environ["wsgi.input"] = io.BytesIO(body)   # Flask may still need to read it
        answer = None
        # An empty body has no form fields (Flask-WTF reads the token from the form
        # first); any other body must be JSON for the header to be where the token is.
        if not body or (environ.get("CONTENT_TYPE") or "").partition(";")[0].strip() == JSON_TYPE:
            session = self._trusted_session(environ)
            if session is not None:
                answer = self._answer(route, session, body, values, environ)
        if answer is None:
            environ["wsgi.input"] = io.BytesIO(body)
            return self.wsgi_app(environ, start_response)
        payload, status = answer
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        start_response(f"{status} {_REASONS.get(status, 'OK')}",
                       [("Content-Type", JSON_TYPE), ("Content-Length", str(len(data))),
                        ("Vary", "Cookie"), ("Cache-Control", "no-store"),
                        *security_headers(self.app)])
        return [data]

    def _trusted_session(self, environ):
        """The session, if its cookie and the request's CSRF token are valid."""
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        cookie = cookies.get(self.app.config["SESSION_COOKIE_NAME"])
        if not cookie:
            return None
        session = self._signatures.session_data(cookie)
        field = self.app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        if not session or field not in session:
            return None
        if self.app.config.get("WTF_CSRF_ENABLED", True):
            token = next((environ.get("HTTP_" + name.upper().replace("-", "_"))
                          for name in self.app.config["WTF_CSRF_HEADERS"]
                          if environ.get("HTTP_" + name.upper().replace("-", "_"))), None)
            value = self._signatures.csrf_value(token) if token else None
            if value is None or not hmac.compare_digest(session[field], value):
                return None
            if environ.get("wsgi.url_scheme") == "https" and \
                    self.app.config.get("WTF_CSRF_SSL_STRICT", True):
                referrer = environ.get("HTTP_REFERER")
                if not referrer or not same_origin(referrer, f"https://{get_host(environ)}/"):
                    return None
        return session

    def _answer(self, route, session, body, values, environ):
        loader = contributions(self.app).fast_session_user
        if loader is None:
            return None
        with self.app.app_context():
            try:
                with database.read_only():   # as `database.reads_first` views
                    user = loader(session, environ)
                    if user is None:
                        return None
                    return route.handler(user, body, **values)
            except Fallback:
                return None
            except Exception:  # noqa: BLE001 - the full stack answers (and logs) it
                self.app.logger.exception("fast route %s failed; Flask answers", route.endpoint)
                return None


def _read_body(environ, limit):
    """The request body if its declared length is within `limit` (no length and no
    chunked transfer: empty), else None."""
    declared = environ.get("CONTENT_LENGTH")
    if not declared:
        return None if environ.get("HTTP_TRANSFER_ENCODING") else b""
    try:
        length = int(declared)
    except ValueError:
        return None
    if length < 0 or length > limit:
        return None
    body = environ["wsgi.input"].read(length) if length else b""
    return body if len(body) == length else None


def security_headers(app):
    return headers.for_app(app)


_REASONS = {200: "OK", 400: "BAD REQUEST", 403: "FORBIDDEN", 404: "NOT FOUND",
            409: "CONFLICT", 413: "REQUEST ENTITY TOO LARGE", 429: "TOO MANY REQUESTS"}
