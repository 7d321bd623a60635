"""Lesson permissions decided from facts read inside a hot path's one SELECT.

`catalog.permissions` asks questions of loaded objects (course.owners, course.orgs,
…), which costs a lazy query each. Hot paths (heartbeats, quiz autosave, lesson
visits) instead add `access_columns(user)` to the SELECT they already run, with
`Course` and `Lesson` in its FROM, and pass the row to `decide`. The audience rule
is `visibility.audience_condition`, the SQL twin of `audience_matches` (tests keep
the two in agreement); ownership is an EXISTS. Nothing is cached, so nothing can
go stale when a course, lesson or audience changes.

Building those SQL expressions costs more Python time than running them, so hot
paths build their statement once per worker for each `SqlFacts` (what the SQL's
shape depends on: admin or not, the user's unit) and bind the rest per request
(`params(user)`: the user's id and category, plus the request's own ids). A changed
role or unit is another key, never a stale entry; the cache stays bounded by the
number of units, not of users.
"""
from dataclasses import dataclass

from sqlalchemy import bindparam, exists

from mooc.accounts.models import ADMIN, LEARNER

from mooc.catalog.models import PUBLISHED, Course, Lesson, course_owner
from mooc.catalog.visibility import audience_condition
from mooc.core.permissions import can_author_courses, is_admin


def access_columns(user):
    return (Lesson.published.label("lesson_published"), Lesson.course_id,
            Course.status.label("course_status"),
            audience_condition(user).label("audience"),
            exists().where(course_owner.c.course_id == Course.id,
                           course_owner.c.user_id == user.id).correlate(Course).label("is_owner"))


@dataclass(frozen=True)
class _Unit:
    path: str


@dataclass(frozen=True)
class SqlFacts:
    """A stand-in user for `access_columns` (and visibility.audience_condition): hashable,
    to key a statement cache, with the per-user values as bound parameters."""
    admin: bool
    org: _Unit | None
    is_authenticated = True

    @property
    def role(self):
        return ADMIN if self.admin else LEARNER

    @property
    def id(self):
        return bindparam("b_uid")

    @property
    def category(self):
        return bindparam("b_category")


def sql_facts(user):
    org = getattr(user, "org", None)
    return SqlFacts(admin=is_admin(user),
                    org=_Unit(org.path) if org is not None and org.path else None)


def params(user):
    """The values a statement built from `sql_facts(user)` needs."""
    return {"b_uid": user.id, "b_category": user.category}


@dataclass(frozen=True)
class Access:
    can_view: bool     # permissions.can_view_lesson
    can_enrol: bool    # permissions.can_enrol: progress is recorded


def decide(user, row):
    can_edit = is_admin(user) or (can_author_courses(user) and bool(row.is_owner))
    published_course = row.course_status == PUBLISHED
    audience = bool(row.audience)
    can_view = (can_edit or (published_course and audience)) \
        and (bool(row.lesson_published) or can_edit)
    return Access(can_view=can_view,
                  can_enrol=published_course and (audience or is_admin(user)))
