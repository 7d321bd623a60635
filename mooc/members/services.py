"""Scoped member management: every function takes the acting user and checks scope.

Admins act on everyone; a 支部书记 or 组织委员 only inside their unit's subtree (see
members.permissions). Messages are Chinese, for the user; callers commit.
"""
import re
import unicodedata

from sqlalchemy import func, or_, select

from mooc.accounts import services as accounts
from mooc.accounts.models import CATEGORIES, LEARNER, User
from mooc.core.services import audit
from mooc.extensions import db
from mooc.members import permissions as perms
from mooc.org.models import Organisation, subtree_filter
from mooc.org.services import flat_tree

MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


class MemberError(accounts.AccountError):
    """A rule was broken or the actor is out of scope; the message is Chinese."""


OUT_OF_SCOPE = "该成员不在您管理的组织范围内。"


def require_see(actor, member):
    if member is None or not perms.can_see_member(actor, member):
        raise MemberError(OUT_OF_SCOPE)


def require_change(actor, member):
    require_see(actor, member)
    if not perms.can_change_member(actor, member):
        if member.id == actor.id:
            raise MemberError("不能在这里修改自己的账号。")
        raise MemberError("您无权管理该账号（管理员、支部书记、组织委员由上级管理）。")


def require_org(actor, org):
    if org is None:
        raise MemberError("请选择所属组织。")
    if not perms.org_in_scope(actor, org):
        raise MemberError(f"组织“{org.name}”不在您管理的范围内。")


# ---- Fields ---------------------------------------------------------------------------

def clean_mobile(value):
    """A mainland mobile number (11 digits starting 1[3-9]); '+86' and spaces are dropped."""
    text = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", value or ""))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    if not text:
        return None
    if not MOBILE_RE.match(text):
        raise MemberError("手机号格式不正确（应为 11 位大陆手机号）。")
    return text


def clean_email(value, existing=None):
    text = unicodedata.normalize("NFKC", value or "").strip().lower()
    if not text:
        return None
    if len(text) > 254 or not EMAIL_RE.match(text):
        raise MemberError("电子邮箱格式不正确。")
    other = db.session.scalar(select(User).where(User.email == text))
    if other is not None and other is not existing:
        raise MemberError(f"电子邮箱“{text}”已被其他账号使用。")
    return text


def check_dates(joined_party_on, full_member_on):
    if joined_party_on and full_member_on and full_member_on < joined_party_on:
        raise MemberError("转正日期不能早于入党日期。")


# ---- Listing ----------------------------------------------------------------------------

def member_query(actor, q=None, org=None, category=None, active=None):
    """Members the actor may see, filtered; one SELECT (the unit is joined, not lazy)."""
    query = select(User).join(Organisation, User.org_id == Organisation.id, isouter=True)
    root = perms.scope_root(actor)
    if root is not None:
        query = query.where(subtree_filter(Organisation.path, root.path))
    if org is not None and perms.org_in_scope(actor, org):
        query = query.where(subtree_filter(Organisation.path, org.path))
    if q:
        text = q.strip().lower()
        query = query.where(or_(func.lower(User.name).contains(text, autoescape=True),
                                func.lower(User.username).contains(text, autoescape=True),
                                User.phone.contains(text, autoescape=True),
                                User.email.contains(text, autoescape=True)))
    if category in CATEGORIES:
        query = query.where(User.category == category)
    if active is not None:
        query = query.where(User.active.is_(active))
    return query.order_by(User.active.desc(), User.name, User.id)


def scope_units(actor):
    """Units the actor may put members in, tree order."""
    return flat_tree(perms.scope_root(actor))


# ---- Changes ----------------------------------------------------------------------------

def create_member(actor, *, username, name, org, category="full_member", phone=None, email=None,
                  joined_party_on=None, full_member_on=None, role=LEARNER):
    """A new account in the actor's scope with a one-time password; returns (user, code)."""
    require_org(actor, org)
    if not perms.can_grant_role(actor, role):
        raise MemberError("您不能授予该角色。")
    phone, email = clean_mobile(phone), clean_email(email)
    check_dates(joined_party_on, full_member_on)
    user = accounts.create_user(username, name, None, role=role, category=category, org=org,
                                phone=phone, must_change_password=True,
                                password_hash="!")  # replaced just below
    user.email, user.joined_party_on, user.full_member_on = email, joined_party_on, \
        full_member_on
    code = accounts.reset_password(user)
    return user, code


def update_member(actor, member, *, name, org, phone=None, email=None, joined_party_on=None,
                  full_member_on=None):
    """Name, unit (e.g. the 党小组), contact fields and dates. Category: `change_category`."""
    require_change(actor, member)
    require_org(actor, org)
    phone, email = clean_mobile(phone), clean_email(email, existing=member)
    check_dates(joined_party_on, full_member_on)
    changes = accounts.update_user(member, name=name, role=member.role,
                                   category=member.category, org=org, phone=phone)
    extra = {k: v for k, v in dict(email=email, joined_party_on=joined_party_on,
                                   full_member_on=full_member_on).items()
             if getattr(member, k) != v}
    for key, value in extra.items():
        setattr(member, key, value)
    if extra:
        audit("user.update", member, f"修改用户 {member.username}", changes=sorted(extra))
    return sorted(changes) + sorted(extra)


def set_member_active(actor, member, active):
    require_change(actor, member)
    accounts.set_active(member, active, actor=actor)


def reset_member_password(actor, member):
    """A one-time code for the member; they must change it at the next sign-in."""
    require_change(actor, member)
    if not member.active:
        raise MemberError("该账号已停用，请先启用再重置密码。")
    return accounts.reset_password(member)
