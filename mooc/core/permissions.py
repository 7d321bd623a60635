"""Named permission predicates and the decorators views use.

Views never test roles inline: they ask a predicate, so the rule lives in one place
and tests can call it directly. Branch leads are scoped to their organisation subtree.
"""
import functools

from flask import abort
from flask_login import current_user, login_required

from mooc.core.roles import ADMIN, BRANCH_LEAD, INSTRUCTOR


def everyone(user):
    """Any signed-in user (menu entries every learner has)."""
    return bool(user and user.is_authenticated)


def is_admin(user):
    return bool(user and user.is_authenticated and user.role == ADMIN)


def can_manage_users(user):
    return is_admin(user)


def can_manage_org(user):
    return is_admin(user)


def can_view_audit_log(user):
    return is_admin(user)


def can_author_courses(user):
    return bool(user and user.is_authenticated and user.role in (INSTRUCTOR, ADMIN))


def can_view_dashboard(user):
    return bool(user and user.is_authenticated and user.role in (BRANCH_LEAD, ADMIN))


def can_view_whole_tree(user):
    """Admins look at the whole organisation tree; branch leads at their own subtree."""
    return is_admin(user)


def can_view_org(user, org):
    """Admins see every unit; a branch lead sees their own unit and everything under it."""
    if is_admin(user):
        return True
    if not (user and user.is_authenticated and user.role == BRANCH_LEAD and user.org):
        return False
    return org is not None and org.is_within(user.org)


def can_view_member(user, member):
    if is_admin(user) or (user.is_authenticated and user.id == member.id):
        return True
    return member.org is not None and can_view_org(user, member.org)


def can_view_job(user, job):
    return is_admin(user) or (user.is_authenticated and job.owner_id == user.id)


def require(predicate):
    """Decorator: the signed-in user must satisfy `predicate(user)`, else 403."""
    def decorate(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)
        wrapped.permission = predicate.__name__
        return wrapped
    return decorate
