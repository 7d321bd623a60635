"""Category steps with dates and history, and transfers (组织关系转接) between units.

Required courses follow a category change by themselves: an assignment's audience is
computed from the member's current unit and category (assignments.audience), so a
member who becomes 预备党员 has that category's assignments from the moment the change
is committed, and a transferred member the receiving unit's.
"""
from datetime import date, timedelta

from sqlalchemy import or_, select

from mooc.accounts.models import CATEGORIES
from mooc.accounts.services import find_by_username
from mooc.core.models import utcnow
from mooc.core.permissions import is_admin
from mooc.core.services import audit
from mooc.extensions import db
from mooc.members import permissions as perms
from mooc.members.models import ACCEPTED, CANCELLED, DECLINED, PENDING, CategoryChange, Transfer
from mooc.members.services import MemberError, require_change, require_see
from mooc.org.models import Organisation, subtree_filter

# The ladder of 政治面貌: each step's date is kept on the account where it has a field.
LADDER = ("activist", "candidate", "probationary", "full_member")


def change_category(actor, member, category, effective_on=None):
    """Record a category step with its date; 预备党员 sets 入党日期, 正式党员 转正日期."""
    require_change(actor, member)
    if category not in CATEGORIES:
        raise MemberError("政治面貌无效。")
    effective_on = effective_on or date.today()
    if effective_on > date.today() + timedelta(days=366):
        raise MemberError("日期不能晚于一年以后。")
    if category == member.category:
        raise MemberError(f"该成员已是{CATEGORIES[category]}。")
    old = member.category
    db.session.add(CategoryChange(user_id=member.id, old_category=old, new_category=category,
                                  effective_on=effective_on, actor_id=actor.id if actor else None))
    member.category = category
    if category == "probationary" and member.joined_party_on is None:
        member.joined_party_on = effective_on
    if category == "full_member" and old == "probationary":
        member.full_member_on = effective_on
    audit("member.category", member,
          f"{member.username} 政治面貌：{CATEGORIES.get(old, old)} → {CATEGORIES[category]}"
          f"（{effective_on.isoformat()}）", actor=actor, old=old, new=category,
          effective_on=effective_on.isoformat())


def category_history(member):
    return list(db.session.scalars(
        select(CategoryChange).where(CategoryChange.user_id == member.id)
        .order_by(CategoryChange.effective_on.desc(), CategoryChange.id.desc())))


# ---- Transfers ------------------------------------------------------------------------

def start_transfer(actor, member, to_org, note=""):
    require_change(actor, member)
    if to_org is None:
        raise MemberError("请选择转入组织。")
    if to_org.id == member.org_id:
        raise MemberError("转入组织与当前组织相同。")
    if to_org.kind not in ("branch", "group"):
        raise MemberError("组织关系只能转入党支部或党小组。")
    pending = db.session.scalar(select(Transfer.id).where(
        Transfer.user_id == member.id, Transfer.status == PENDING))
    if pending:
        raise MemberError("该成员已有一项待接收的转接，请先处理。")
    transfer = Transfer(user_id=member.id, from_org_id=member.org_id, to_org_id=to_org.id,
                        note=(note or "").strip()[:500],
                        requested_by_id=actor.id if actor else None)
    db.session.add(transfer)
    db.session.flush()
    audit("member.transfer_start", member,
          f"发起转接：{member.username} 从 {member.org.name if member.org else '—'} 转至 "
          f"{to_org.name}", actor=actor, transfer_id=transfer.id, to_org_id=to_org.id)
    return transfer


def can_receive(actor, transfer):
    """The receiving side: a lead (or 组织委员) whose subtree holds the target unit, or an admin."""
    if is_admin(actor):
        return True
    return transfer.to_org is not None and perms.org_in_scope(actor, transfer.to_org)


def can_see_transfer(actor, transfer):
    if is_admin(actor) or can_receive(actor, transfer):
        return True
    return transfer.from_org is not None and perms.org_in_scope(actor, transfer.from_org)


def get_transfer(actor, transfer_id):
    transfer = db.session.get(Transfer, transfer_id)
    if transfer is None or not can_see_transfer(actor, transfer):
        raise MemberError("找不到该转接，或它不在您管理的范围内。")
    return transfer


def decide_transfer(actor, transfer, accept):
    if transfer.status != PENDING:
        raise MemberError("该转接已处理。")
    if not can_receive(actor, transfer):
        raise MemberError("只有转入组织的书记或管理员可以接收或拒绝该转接。")
    if transfer.to_org is None:
        raise MemberError("转入组织已不存在。")
    member = transfer.user
    transfer.status = ACCEPTED if accept else DECLINED
    transfer.decided_by_id = actor.id if actor else None
    transfer.decided_at = utcnow()
    if accept:
        # Progress, hours and certificates belong to the person, so they follow.
        member.org_id = transfer.to_org_id
        member.org = transfer.to_org
    audit("member.transfer_accept" if accept else "member.transfer_decline", member,
          f"{'接收' if accept else '拒绝'}转接：{member.username} → {transfer.to_org.name}",
          actor=actor, transfer_id=transfer.id)


def can_cancel(actor, transfer):
    """The sending side: whoever may manage the member where they are now, or an admin."""
    return is_admin(actor) or (transfer.from_org is not None
                               and perms.org_in_scope(actor, transfer.from_org))


def cancel_transfer(actor, transfer):
    if transfer.status != PENDING:
        raise MemberError("该转接已处理。")
    if not can_cancel(actor, transfer):
        raise MemberError("只有转出组织的书记或管理员可以撤回。")
    transfer.status = CANCELLED
    transfer.decided_by_id = actor.id if actor else None
    transfer.decided_at = utcnow()
    audit("member.transfer_cancel", transfer.user, f"撤回转接：{transfer.user.username}",
          actor=actor, transfer_id=transfer.id)


def transfers_for(actor, status=None, limit=200):
    """Transfers touching the actor's subtree (either side), newest first."""
    query = select(Transfer).order_by(Transfer.id.desc()).limit(limit)
    if status:
        query = query.where(Transfer.status == status)
    root = perms.scope_root(actor)
    if root is not None:
        inside = select(Organisation.id).where(subtree_filter(Organisation.path, root.path))
        query = query.where(or_(Transfer.from_org_id.in_(inside), Transfer.to_org_id.in_(inside)))
    return list(db.session.scalars(query))


def member_transfers(member):
    return list(db.session.scalars(select(Transfer).where(Transfer.user_id == member.id)
                                   .order_by(Transfer.id.desc())))


def find_member(actor, username):
    """A member by 账号 for the CLI: out of scope reads like not found."""
    user = find_by_username(username)
    require_see(actor, user)
    return user
