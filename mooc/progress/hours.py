"""Study hours (学时): what a member earned in a year, and what they are required to earn.

Earned hours are the sum of CourseCompletion.hours for the year (the site's local
calendar year, see completion.local_year) — one indexed SUM, reusable by the
dashboard as SQL through `hours_by_user_query`.

Requirements are rules keyed by who they apply to:

* ``category:<政治面貌>`` — every member category (default 32 学时);
* ``role:branch_lead`` — branch secretaries (default 56);
* ``committee`` — 党委委员, listed by admins in CommitteeMember (default 56).

A person's requirement is the largest rule that applies to them (a branch secretary
who is a full member needs 56, not 32). Defaults live here; the HourRequirement table
only holds what an admin changed, and rows are first written when the settings page
is saved — reading never writes.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from mooc.accounts.models import BRANCH_LEAD, CATEGORIES, User
from mooc.core.models import utcnow
from mooc.core.services import audit
from mooc.extensions import db
from mooc.progress.models import CommitteeMember, CourseCompletion, HourRequirement

MEMBER_DEFAULT = 32.0
LEADER_DEFAULT = 56.0
COMMITTEE = "committee"
MAX_HOURS = 1000


@dataclass(frozen=True)
class Rule:
    key: str
    label: object
    default: float


def rules() -> list[Rule]:
    """Every rule, in the order the settings page lists them."""
    return ([Rule(f"category:{key}", label, MEMBER_DEFAULT) for key, label in CATEGORIES.items()]
            + [Rule(f"role:{BRANCH_LEAD}", _l("支部书记"), LEADER_DEFAULT),
               Rule(COMMITTEE, _l("党委委员"), LEADER_DEFAULT)])


class RequirementError(ValueError):
    """Refused; the message is for the admin, in Chinese."""


# --------------------------------------------------------------------------
# Requirements
# --------------------------------------------------------------------------

def requirement_rules() -> dict[str, float]:
    """{rule key: hours}: the defaults, overridden by what admins saved."""
    values = {rule.key: rule.default for rule in rules()}
    for row in db.session.scalars(select(HourRequirement)):
        if row.key in values:
            values[row.key] = float(row.hours)
    return values


def committee_ids() -> set[int]:
    return set(db.session.scalars(select(CommitteeMember.user_id)))


def applicable_keys(user, committee: set[int]) -> list[str]:
    keys = [f"category:{user.category}", f"role:{user.role}"]
    if user.id in committee:
        keys.append(COMMITTEE)
    return keys


def _requirement(user, values, committee) -> float:
    return max((values[k] for k in applicable_keys(user, committee) if k in values), default=0.0)


def requirement_for(user) -> float:
    """The hours `user` must earn in a calendar year (0: no requirement)."""
    return _requirement(user, requirement_rules(), committee_ids())


def requirements_for(users) -> dict[int, float]:
    """{user_id: required hours} for many people in two queries (dashboards)."""
    values, committee = requirement_rules(), committee_ids()
    return {user.id: _requirement(user, values, committee) for user in users}


def save_requirements(new_values: dict[str, float], actor) -> list[str]:
    """Store every rule (this also seeds the table); returns the keys that changed."""
    known = {rule.key for rule in rules()}
    current = requirement_rules()
    stored = {row.key: row for row in db.session.scalars(select(HourRequirement))}
    changed = []
    for key, hours in new_values.items():
        if key not in known:
            continue
        hours = float(hours)
        if not 0 <= hours <= MAX_HOURS:
            raise RequirementError(f"学时要求必须在 0 到 {MAX_HOURS} 之间。")
        row = stored.get(key)
        if row is None:
            row = HourRequirement(key=key, hours=hours)
            db.session.add(row)
        if current.get(key) != hours:
            changed.append(key)
        row.hours, row.updated_at, row.updated_by_id = hours, utcnow(), getattr(actor, "id", None)
    if changed:
        audit("hours.requirements", summary="修改年度学时要求", actor=actor,
              changes={key: [current.get(key), float(new_values[key])] for key in changed})
    return changed


def committee_members():
    return list(db.session.scalars(select(CommitteeMember).order_by(CommitteeMember.added_at)))


def add_committee_member(username, actor):
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        raise RequirementError("找不到该账号。")
    if db.session.get(CommitteeMember, user.id) is not None:
        raise RequirementError(f"{user.name} 已在党委委员名单中。")
    db.session.add(CommitteeMember(user_id=user.id, added_at=utcnow(),
                                   added_by_id=getattr(actor, "id", None)))
    audit("hours.committee_add", user, f"将 {user.name} 列为党委委员", actor=actor)
    return user


def remove_committee_member(user_id, actor):
    member = db.session.get(CommitteeMember, user_id)
    if member is None:
        raise RequirementError("该用户不在党委委员名单中。")
    audit("hours.committee_remove", member.user, f"将 {member.user.name} 移出党委委员名单",
          actor=actor)
    db.session.delete(member)
    return member.user


# --------------------------------------------------------------------------
# Earned hours
# --------------------------------------------------------------------------

def hours_by_user_query(year: int):
    """SELECT user_id, hours — the hours each user earned in `year` (users with none
    are absent). For dashboards: `.subquery()` it and outer-join users, COALESCE 0."""
    return (select(CourseCompletion.user_id.label("user_id"),
                   func.sum(CourseCompletion.hours).label("hours"))
            .where(CourseCompletion.year == year)
            .group_by(CourseCompletion.user_id))


def hours_in_year(user, year: int) -> float:
    total = db.session.scalar(select(func.coalesce(func.sum(CourseCompletion.hours), 0.0))
                              .where(CourseCompletion.user_id == user.id,
                                     CourseCompletion.year == year))
    return round(float(total or 0.0), 2)


def years_with_hours(user) -> list[int]:
    return list(db.session.scalars(select(CourseCompletion.year).where(
        CourseCompletion.user_id == user.id).distinct().order_by(CourseCompletion.year.desc())))


@dataclass(frozen=True)
class YearHours:
    year: int
    earned: float
    required: float

    @property
    def remaining(self):
        return max(0.0, round(self.required - self.earned, 2))

    @property
    def met(self):
        return self.earned + 1e-9 >= self.required

    @property
    def fraction(self):
        if self.required <= 0:
            return 1.0
        return min(1.0, self.earned / self.required)


def year_hours(user, year: int) -> YearHours:
    return YearHours(year=year, earned=hours_in_year(user, year), required=requirement_for(user))


def format_hours(value) -> str:
    """32.0 → "32", 1.5 → "1.5": hours print like people write them."""
    try:
        number = round(float(value or 0), 2)
    except (TypeError, ValueError):
        return "0"
    return f"{number:.2f}".rstrip("0").rstrip(".")
