"""Lesson permissions decided from facts read inside a hot path's one SELECT.

`catalog.permissions` asks questions of loaded objects (course.owners, course.orgs,
…), which costs a lazy query each. Hot paths (heartbeats, quiz autosave, lesson
visits) instead add `access_columns(user)` to the SELECT they already run, with
`Course` and `Lesson` in its FROM, and pass the row to `decide`. The audience rule
is `visibility.audience_condition`, the SQL twin of `audience_matches` (tests keep
the two in agreement); ownership is an EXISTS. Nothing is cached, so nothing can
go stale when a course, lesson or audience changes.

Building those SQL expressions costs more Python time than running them, so hot
paths build their statement once per worker for each `UserFacts` (everything about
the user the statement depends on: a changed role, category or unit is another
key, never a stale entry) and pass the request's ids as bound parameters.
"""
from dataclasses import dataclass

from sqlalchemy import exists

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
class UserFacts:
    """What `access_columns` and `decide` read of a user: hashable, to key a cache."""
    id: int
    role: str
    category: str
    org: _Unit | None
    is_authenticated = True


def facts(user):
    org = getattr(user, "org", None)
    return UserFacts(id=user.id, role=user.role, category=user.category,
                     org=_Unit(org.path) if org is not None and org.path else None)


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
