"""The signed-in user for `core.fastpath`: what Flask-Login would load, or None.

The fast path answers a request only when the full stack would accept it *without
changing the session*; whenever Flask-Login or the first-login gate would do more than
load the user, this returns None and Flask serves the request as always:

* no `_user_id` (signed out, or a remember-me cookie waiting to restore the sign-in);
* a pending `_remember` instruction (the cookie must be set or cleared);
* the first-login password change still owed (the gate answers 403);
* session protection: the client's address or browser changed, so Flask-Login would
  mark the session non-fresh ("basic") or end it ("strong").

The user itself comes from `loading.load_principal`, the statement and checks (token,
sign-in row) the hot API views use.
"""
from hashlib import sha512

from mooc.accounts import first_password, loading
from mooc.extensions import login_manager


def _identifier(environ):
    """flask_login.utils._create_identifier, from the WSGI environ (no request context)."""
    address = environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR"))
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    agent = environ.get("HTTP_USER_AGENT")
    if agent is not None:
        agent = agent.encode("utf-8")
    return sha512(f"{address}|{agent}".encode("utf8")).hexdigest()


def _protection_passes(app, session, environ):
    mode = app.config.get("SESSION_PROTECTION", login_manager.session_protection)
    if mode not in ("basic", "strong"):
        return True
    if session.get("_id") == _identifier(environ):
        return True
    # Flask-Login then marks the session non-fresh ("basic", or a permanent session),
    # which changes nothing if it already is; otherwise ("strong") it signs out.
    marks_only = mode == "basic" or session.get("_permanent")
    return bool(marks_only) and session.get("_fresh") is False


def session_user(app):
    def load(session, environ):
        if "_remember" in session or session.get(first_password.SESSION_FLAG):
            return None
        user_id = session.get("_user_id")
        if user_id is None or not _protection_passes(app, session, environ):
            return None
        return loading.load_principal(user_id)
    return load

