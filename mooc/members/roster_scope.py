"""The roster import's scope for a branch lead: rows outside their subtree are row errors."""
from mooc.accounts.roster.reading import ORG, ROLE, USERNAME
from mooc.members import permissions as perms


class LeadScope:
    """Passed to `roster.parse_roster(..., scope=LeadScope(actor))`."""

    def __init__(self, actor):
        self.actor = actor

    def check(self, org, existing, role):
        if org is None or not perms.org_in_scope(self.actor, org):
            name = f"“{org.name}”" if org is not None else ""
            return ORG, f"组织{name}不在您管理的范围内"
        if existing is not None and not perms.can_change_member(self.actor, existing):
            return USERNAME, "该账号已被使用，且不在您的管理范围内"
        if role is not None and not perms.can_grant_role(self.actor, role):
            return ROLE, "您不能授予该角色（只能是学员或讲师）"
        return None


def scope_for(actor):
    """None for an admin (no limit), else the lead's scope."""
    return None if perms.scope_root(actor) is None else LeadScope(actor)
