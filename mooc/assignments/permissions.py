"""Who may assign required courses and remind members (style: mooc.core.permissions).

Admins work site-wide. A branch lead works only inside their own subtree: they may
target their unit or any unit under it, never the whole site, and their reminders
reach only members of their subtree, even for an assignment an admin made.
"""
from mooc.accounts.models import BRANCH_LEAD
from mooc.core.permissions import can_view_org, is_admin


def can_assign(user):
    """May open the assignment screens at all."""
    if is_admin(user):
        return True
    return bool(user and user.is_authenticated and user.role == BRANCH_LEAD and user.org)


def can_target_org(user, org):
    """May make a course required for `org`'s subtree (None: the whole site)."""
    if org is None:
        return is_admin(user)
    return can_assign(user) and can_view_org(user, org)


def can_manage_assignment(user, assignment):
    """May edit or delete it: admins, or a lead whose subtree contains its target unit."""
    return can_target_org(user, assignment.org)


def can_see_assignment(user, assignment):
    """Admins; leads when it reaches into their subtree (site-wide, above or below them)."""
    if is_admin(user):
        return True
    if not can_assign(user):
        return False
    target = assignment.org
    return target is None or target.is_within(user.org) or user.org.is_within(target)


def reminder_scope(user):
    """The path whose members a user's reminders may reach (None: everyone, admins)."""
    return None if is_admin(user) else user.org.path
