"""People: learners, instructors, branch leads and admins."""
import secrets
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mooc.core.models import utcnow
from mooc.core.roles import ADMIN, BRANCH_LEAD, DEPUTY, INSTRUCTOR, LEARNER  # noqa: F401  (re-exported)
from mooc.extensions import db

# Member categories (政治面貌), in the order branch work lists them.
CATEGORIES = {
    "full_member": _l("正式党员"),
    "probationary": _l("预备党员"),
    "candidate": _l("发展对象"),
    "activist": _l("入党积极分子"),
    "masses": _l("群众"),
}
CATEGORY_BY_LABEL = {"正式党员": "full_member", "中共党员": "full_member", "党员": "full_member",
                     "预备党员": "probationary", "中共预备党员": "probationary",
                     "发展对象": "candidate", "入党积极分子": "activist", "积极分子": "activist",
                     "群众": "masses"}

ROLES = {
    LEARNER: _l("学员"),
    INSTRUCTOR: _l("讲师"),
    BRANCH_LEAD: _l("支部书记"),
    DEPUTY: _l("组织委员"),
    ADMIN: _l("管理员"),
}
ROLE_BY_LABEL = {"学员": LEARNER, "党员": LEARNER, "讲师": INSTRUCTOR, "教师": INSTRUCTOR,
                 "支部书记": BRANCH_LEAD, "书记": BRANCH_LEAD, "组织委员": DEPUTY, "管理员": ADMIN}


def new_auth_token():
    return secrets.token_urlsafe(12)


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    # Optional; unique when given (stored lower-case). Reminders go here when present.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    joined_party_on: Mapped[date | None]    # 入党日期
    full_member_on: Mapped[date | None]     # 转正日期
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    category: Mapped[str] = mapped_column(String(20), default="full_member")
    role: Mapped[str] = mapped_column(String(20), default=LEARNER)
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Rotated on password change or deactivation: every session signed with the old
    # token stops working, on every device.
    auth_token: Mapped[str] = mapped_column(String(32), default=new_auth_token)
    locale: Mapped[str | None] = mapped_column(String(8))
    large_text: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None]

    org = relationship("Organisation", lazy="joined")

    # Flask-Login
    @property
    def is_active(self):
        return self.active

    # The key of the sign-in this object was loaded for (or is being signed in with);
    # set by the user loader and by services.start_login, never stored on the row.
    login_key = None

    def get_id(self):
        return f"{self.id}:{self.auth_token}:{self.login_key or ''}"

    @property
    def role_label(self):
        return ROLES.get(self.role, self.role)

    @property
    def category_label(self):
        return CATEGORIES.get(self.category, self.category)

    def has_role(self, *roles):
        return self.role in roles

    def __repr__(self):
        return f"<User {self.username}>"


class LoginSession(db.Model):
    """One sign-in on one device. The session (and remember) cookie names it by a random
    key whose SHA-256 is stored here; signing out deletes the row, so a copied cookie
    stops working at once. The user loader joins this table in its single SELECT."""
    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
