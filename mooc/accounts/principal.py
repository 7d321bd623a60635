"""The signed-in user as the hot API routes see them: a snapshot from one Core SELECT.

`core.lightweight` explains why. A `Principal` answers what those routes and the
request hooks ask of `current_user` (Flask-Login's properties, id, role, category,
locale, the unit's id and path) and nothing more: it has no relationships and
cannot be changed or saved. A service that needs the ORM row after all (the rare
course completion) calls `orm_user(user)`.
"""
from dataclasses import dataclass

from sqlalchemy import bindparam, select

from mooc.accounts.models import LoginSession, User
from mooc.extensions import db
from mooc.org.models import Organisation

_users, _units, _logins = User.__table__, Organisation.__table__, LoginSession.__table__

# Built once: constructing the statement costs more than running it.
LOAD = (select(_users.c.id, _users.c.username, _users.c.name, _users.c.role,
               _users.c.category, _users.c.active, _users.c.must_change_password,
               _users.c.auth_token, _users.c.locale, _users.c.large_text, _users.c.org_id,
               _units.c.path.label("org_path"), _units.c.name.label("org_name"),
               _units.c.kind.label("org_kind"))
        .select_from(_users.outerjoin(_units, _units.c.id == _users.c.org_id)
                     .join(_logins, _logins.c.user_id == _users.c.id))
        .where(_users.c.id == bindparam("b_id"), _logins.c.key_hash == bindparam("b_key")))


@dataclass(frozen=True, slots=True)
class Unit:
    id: int
    path: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class Principal:
    id: int
    username: str
    name: str
    role: str
    category: str
    active: bool
    must_change_password: bool
    auth_token: str
    locale: str | None
    large_text: bool
    org_id: int | None
    org: Unit | None
    login_key: str | None = None

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return f"{self.id}:{self.auth_token}:{self.login_key or ''}"

    def has_role(self, *roles):
        return self.role in roles


def load(params, login_key=None):
    """The Principal for {"b_id": user id, "b_key": sign-in key hash}, or None when
    there is no such user or that sign-in has ended."""
    row = db.session.connection().execute(LOAD, params).one_or_none()
    if row is None:
        return None
    unit = Unit(row.org_id, row.org_path, row.org_name, row.org_kind) \
        if row.org_id is not None else None
    return Principal(row.id, row.username, row.name, row.role, row.category, row.active,
                     row.must_change_password, row.auth_token, row.locale, row.large_text,
                     row.org_id, unit, login_key)


def orm_user(user):
    """The ORM `User` behind `user` (itself when it already is one)."""
    return db.session.get(User, user.id) if isinstance(user, Principal) else user
