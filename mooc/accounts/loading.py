"""Loading the signed-in user for Flask-Login: one statement per request.

Every request of a signed-in user pays this, heartbeats included, so it is kept
to a single SELECT (the user row with its unit joined, as `User.org` is eager):
the audience rule reads the unit's path, and a lazy load would be a second query.
The hot APIs (`core.lightweight`) get the same row through Core, without the ORM.
"""
import secrets

from mooc.accounts import principal
from mooc.accounts.models import User
from mooc.core import lightweight
from mooc.extensions import db


def load_user(user_id):
    """The user a session cookie names, or None if the id or the token does not match.

    The token changes when the password does, which signs out every other device.
    """
    user_pk, _, token = (user_id or "").partition(":")
    if not user_pk.isdigit():
        return None
    # Views marked `core.lightweight` (the hot APIs) get a Core snapshot instead.
    user = principal.load(int(user_pk)) if lightweight.wanted() \
        else db.session.get(User, int(user_pk))
    if user is None or not token or not secrets.compare_digest(user.auth_token, token):
        return None
    return user
