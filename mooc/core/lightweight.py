"""Marking the hot API views that are served a lightweight signed-in user.

Heartbeats, beacons, quiz autosaves and lesson visits are most of the platform's
requests. Their services read only a handful of the user's columns (id, role,
category, the unit's path), so loading a full ORM `User` for them is the single
largest cost of the request (issue 13). A view marked here gets, from the user
loader, a read-only snapshot built from one Core SELECT instead
(`accounts.principal`). Nothing else changes: same cookie, same token check, same
single statement, so signing out or changing a password stops these routes too.

Core defines the marker because features mark their own views and the accounts
feature reads it; neither depends on the other.
"""
from flask import current_app, has_request_context, request
from flask_login import current_user

ATTRIBUTE = "serves_lightweight_user"


def lightweight_user(view):
    """View decorator: the signed-in user is an `accounts.principal.Principal`."""
    setattr(view, ATTRIBUTE, True)
    return view


def wanted():
    """True inside a request to a view marked with `lightweight_user`."""
    if not has_request_context() or request.endpoint is None:
        return False
    view = current_app.view_functions.get(request.endpoint)
    return bool(getattr(view, ATTRIBUTE, False))


def signed_in_user():
    """The signed-in user itself, not the `current_user` proxy: services on hot paths
    read its attributes dozens of times, and each read through the proxy costs a
    lookup of the request context and of Flask-Login's cache."""
    return current_user._get_current_object()
