"""Who may manage which members: admins everyone, a branch lead or 组织委员 their subtree.

The rules, in one place:
* a scoped manager (支部书记 or 组织委员 with a unit) sees members whose unit lies in
  their own unit's subtree, and nobody else;
* they never act on themselves (no lifting their own scope), never on an admin, and
  on another 支部书记/组织委员 only when that person sits in a unit strictly below a
  支部书记's own unit (a 组织委员 never manages leads);
* they never grant the admin, 支部书记 or 组织委员 role.
"""
from mooc.core.permissions import is_admin
from mooc.core.roles import ADMIN, BRANCH_LEAD, DEPUTY, INSTRUCTOR, LEARNER

SCOPED_ROLES = (BRANCH_LEAD, DEPUTY)
# The roles a scoped manager may give (creating, editing, importing).
GRANTABLE_BY_SCOPED = (LEARNER, INSTRUCTOR)


def is_scoped_manager(user):
    return bool(user and user.is_authenticated and user.role in SCOPED_ROLES
                and user.org_id is not None)


def can_manage_members(user):
    """May open the member pages at all (admins: whole site; leads: their subtree)."""
    return is_admin(user) or is_scoped_manager(user)


def scope_root(user):
    """The unit whose subtree `user` manages; None for an admin (the whole site)."""
    return None if is_admin(user) else user.org


def org_in_scope(user, org):
    if is_admin(user):
        return True
    return is_scoped_manager(user) and org is not None and org.is_within(user.org)


def can_see_member(user, member):
    if is_admin(user):
        return True
    return member.org is not None and org_in_scope(user, member.org)


def can_change_member(user, member):
    if is_admin(user):
        return True
    if not can_see_member(user, member) or member.id == user.id or member.role == ADMIN:
        return False
    if member.role in SCOPED_ROLES:
        return user.role == BRANCH_LEAD and member.org_id != user.org_id
    return True


def can_grant_role(user, role):
    return is_admin(user) or (is_scoped_manager(user) and role in GRANTABLE_BY_SCOPED)
