"""Account rules: creating, changing and authenticating users."""
import re
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from mooc.accounts.loading import key_hash
from mooc.accounts.models import ADMIN, CATEGORIES, ROLES, LoginSession, User, new_auth_token
from mooc.core.models import utcnow
from mooc.core.services import audit
from mooc.extensions import db
from mooc.core.textclean import clean_line

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
PHONE_RE = re.compile(r"^\+?[0-9-]{5,20}$")


class AccountError(ValueError):
    """A rule was broken; the message is for the user, in Chinese."""


def hash_password(password):
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


# zxcvbn's score (0–4) a new password needs: 2 refuses password1, aaaaaaa1, user18user18
# and the like (common passwords, repeats, sequences, the account's own name).
MIN_PASSWORD_SCORE = 2


def check_password_strength(password, *, username=None, name=None):
    password = password or ""
    if len(password) < 8:
        raise AccountError("密码至少需要 8 个字符。")
    if not (re.search(r"[A-Za-z]", password) and re.search(r"[0-9]", password)):
        raise AccountError("密码需要同时包含字母和数字。")
    if username and len(username) >= 3 and username.lower() in password.lower():
        raise AccountError("密码不能包含账号名。")
    inputs = [value for value in (username, name) if value]
    if zxcvbn(password[:72], user_inputs=inputs)["score"] < MIN_PASSWORD_SCORE:
        raise AccountError("密码太容易被猜到（常见密码、重复字符、键盘顺序或与账号相关），"
                           "请换一个更复杂的密码。")


_DUMMY_HASH = None


def authenticate(username, password):
    """The user for these credentials, or None. Unknown names cost as much as wrong passwords."""
    global _DUMMY_HASH
    user = find_by_username(username)
    if user is None or not user.active or not user.password_hash:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password(secrets.token_hex(8))
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    return user if check_password_hash(user.password_hash, password or "") else None


def find_by_username(username):
    username = (username or "").strip()
    if not username:
        return None
    return db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def record_login(user):
    user.last_login_at = utcnow()


def start_login(user):
    """A new sign-in on this device: a `login_session` row named by a random key that
    goes into the session (and remember) cookie through `user.get_id()`. Sign-ins older
    than the remember cookie's lifetime are pruned on the way."""
    lifetime = current_app.config.get("REMEMBER_COOKIE_DURATION") or timedelta(days=365)
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id,
                                                  LoginSession.created_at < utcnow() - lifetime))
    user.login_key = secrets.token_urlsafe(24)
    db.session.add(LoginSession(user_id=user.id, key_hash=key_hash(user.login_key)))


def end_login(user):
    """Sign-out: the cookie's sign-in row goes, so a copy of the cookie is worthless."""
    if user.login_key:
        db.session.execute(delete(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.key_hash == key_hash(user.login_key)))
    user.login_key = None


def end_other_logins(user):
    """After a password change: only this device's sign-in remains."""
    query = delete(LoginSession).where(LoginSession.user_id == user.id)
    if user.login_key:
        query = query.where(LoginSession.key_hash != key_hash(user.login_key))
    db.session.execute(query)


def set_password(user, password, *, must_change=False, check_strength=True):
    if check_strength:
        check_password_strength(password, username=user.username, name=user.name)
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    user.auth_token = new_auth_token()  # signs out every other device


def change_own_password(user, old_password, new_password):
    if not check_password_hash(user.password_hash, old_password or ""):
        raise AccountError("原密码不正确。")
    if old_password == new_password:
        raise AccountError("新密码不能与原密码相同。")
    set_password(user, new_password)
    end_other_logins(user)


def validate_fields(username, name, role, category, phone, org, existing=None):
    if not USERNAME_RE.match(username or ""):
        raise AccountError("账号只能使用 2–64 位字母、数字或 _ . @ -。")
    if not (name or "").strip():
        raise AccountError("姓名不能为空。")
    if len(name) > 64:
        raise AccountError("姓名过长。")
    if role not in ROLES:
        raise AccountError("角色无效。")
    if category not in CATEGORIES:
        raise AccountError("政治面貌无效。")
    if phone and not PHONE_RE.match(phone):
        raise AccountError("手机号格式不正确。")
    if role != ADMIN and org is None:
        raise AccountError("除管理员外，每个用户都必须属于一个组织。")
    other = find_by_username(username)
    if other is not None and other is not existing:
        raise AccountError(f"账号“{username}”已存在。")


def create_user(username, name, password, *, role="learner", category="full_member", org=None,
                phone=None, must_change_password=False, check_strength=True, password_hash=None):
    username = (username or "").strip()
    name = clean_line(name)
    validate_fields(username, name, role, category, phone, org)
    user = User(username=username, name=name, role=role, category=category, org=org,
                phone=phone or None, must_change_password=must_change_password)
    if password_hash:
        user.password_hash = password_hash
    else:
        set_password(user, password, must_change=must_change_password,
                     check_strength=check_strength)
    db.session.add(user)
    db.session.flush()
    audit("user.create", user, f"创建用户 {user.username}（{user.name}）", role=role)
    return user


def ensure_not_last_admin(user, *, role=ADMIN, active=True):
    """Refuse a change that would leave the site without an active admin (every path:
    admin screens, roster import, CLI, member pages all end in update_user/set_active)."""
    if user.role != ADMIN or not user.active or (role == ADMIN and active):
        return
    others = db.session.scalar(select(func.count(User.id)).where(
        User.role == ADMIN, User.active.is_(True), User.id != user.id))
    if not others:
        raise AccountError("不能取消或停用最后一位管理员：请先任命另一位管理员。")


def update_user(user, *, name, role, category, org, phone):
    name = clean_line(name)
    validate_fields(user.username, name, role, category, phone, org, existing=user)
    ensure_not_last_admin(user, role=role)
    changes = {k: v for k, v in dict(name=name.strip(), role=role, category=category,
                                      org_id=org.id if org else None, phone=phone or None).items()
               if getattr(user, k) != v}
    for key, value in changes.items():
        setattr(user, key, value)
    if org is not None:
        user.org = org
    if changes:
        audit("user.update", user, f"修改用户 {user.username}", changes=sorted(changes))
    return changes


def set_active(user, active, actor=None):
    if actor is not None and actor.id == user.id and not active:
        raise AccountError("不能停用自己的账号。")
    ensure_not_last_admin(user, active=active)
    user.active = active
    if not active:
        user.auth_token = new_auth_token()
    audit("user.activate" if active else "user.deactivate", user,
          f"{'启用' if active else '停用'}用户 {user.username}")


def reset_password(user):
    """A fresh temporary password the admin hands over; the member must change it."""
    temporary = "Dj" + secrets.token_urlsafe(6).replace("-", "x").replace("_", "y") + "8"
    set_password(user, temporary, must_change=True, check_strength=False)
    audit("user.reset_password", user, f"重置用户 {user.username} 的密码")
    return temporary

