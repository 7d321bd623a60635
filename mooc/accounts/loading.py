"""Loading the signed-in user for Flask-Login: one statement per request.

Every request of a signed-in user pays this, heartbeats included, so it is kept
to a single SELECT (the user row with its unit joined, as `User.org` is eager, and
the sign-in's `login_session` row joined): the audience rule reads the unit's path,
and a lazy load would be a second query. The hot APIs (`core.lightweight`) get the
same row through Core, without the ORM (`accounts.principal`).
"""
import hashlib
import secrets

from sqlalchemy import bindparam, select

from mooc.accounts import principal
from mooc.accounts.models import LoginSession, User
from mooc.core import lightweight
from mooc.extensions import db

# Built once: constructing the statement costs more than running it.
_LOAD = (select(User).join(LoginSession, LoginSession.user_id == User.id)
         .where(User.id == bindparam("b_id"), LoginSession.key_hash == bindparam("b_key")))


def key_hash(login_key):
    return hashlib.sha256(login_key.encode()).hexdigest()


def _parse(user_id):
    """(statement parameters, token, sign-in key) from a session's user id, or None."""
    user_pk, _, rest = (user_id or "").partition(":")
    token, _, login_key = rest.partition(":")
    if not user_pk.isdigit() or not token or not login_key:
        return None
    return {"b_id": int(user_pk), "b_key": key_hash(login_key)}, token, login_key


def load_principal(user_id):
    """`load_user` for the hot APIs: a Core snapshot (`accounts.principal`), same checks."""
    parsed = _parse(user_id)
    if parsed is None:
        return None
    params, token, login_key = parsed
    user = principal.load(params, login_key)
    if user is None or not secrets.compare_digest(user.auth_token, token):
        return None
    return user


def load_user(user_id):
    """The user a session cookie names, or None if the id, the token or the sign-in
    does not match.

    The token changes when the password does, which signs out every other device;
    the sign-in key names one `login_session` row, deleted when that device signs out.
    """
    if lightweight.wanted():
        return load_principal(user_id)
    parsed = _parse(user_id)
    if parsed is None:
        return None
    params, token, login_key = parsed
    user = db.session.scalar(_LOAD, params)
    if user is not None:
        user.login_key = login_key
    if user is None or not secrets.compare_digest(user.auth_token, token):
        return None
    return user
