"""Who an assignment applies to — one rule, in Python and as SQL conditions.

A member is in an assignment's audience when

    the member is active and belongs to a unit,
AND (the assignment has no unit  OR  the member's unit lies within it),
AND (the assignment lists no category  OR  the member's category is listed),

and the assignment counts once it has started (starts_on ≤ today) and its course is
published. A course required by several assignments is one obligation with the
earliest deadline.

The audience depends only on a member's unit and category, never on their records,
so the SQL form needs no join table: `Plan` loads the live assignments once (one
query) and turns each into a literal condition — a range on the member's unit path
(the same indexed range as `subtree_filter`) and an IN on the category. Per member
and course, `Plan.due` is a CASE over the assignments of that course, earliest
deadline first. Aggregates then scan members once (one row each), however many
courses are required, instead of joining members × assignments and grouping.
`applies_to` is the Python twin; tests check both against the same rows.
"""
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, case, null, or_, select, true
from sqlalchemy.orm import aliased

from mooc.accounts.models import User
from mooc.assignments.models import Assignment
from mooc.catalog.models import PUBLISHED, Course
from mooc.extensions import db
from mooc.org.models import Organisation, subtree_filter

NOT_STARTED, IN_PROGRESS, COMPLETED, OVERDUE = "not_started", "in_progress", "completed", \
    "overdue"
STATUSES = (NOT_STARTED, IN_PROGRESS, COMPLETED, OVERDUE)

# The member's own unit, joined as `user JOIN organisation AS member_org`.
MemberOrg = aliased(Organisation, name="member_org")


def site_zone():
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def today():
    """The calendar date in the site's time zone: deadlines and "this year" use it."""
    return datetime.now(site_zone()).date()


def local_midnight_utc(day):
    """Naive UTC datetime of 00:00 on `day` in the site's zone (to compare with stored UTC)."""
    local = datetime(day.year, day.month, day.day, tzinfo=site_zone())
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def applies_to(assignment, user):
    """Python: is `user` in the assignment's audience (whether or not it has started)?"""
    if not (user.active and user.org is not None):
        return False
    if assignment.org is not None and not user.org.is_within(assignment.org):
        return False
    categories = assignment.category_list
    return not categories or user.category in categories


def match_condition(assignment):
    """SQL on `User` joined to `MemberOrg`: the member is in the assignment's audience."""
    conditions = [User.active.is_(True)]
    if assignment.org is not None:
        conditions.append(subtree_filter(MemberOrg.path, assignment.org.path))
    categories = assignment.category_list
    if categories:
        conditions.append(User.category.in_(categories))
    return and_(*conditions)


def status_of(completed, due_on, started, on):
    """Where a member stands on one required course (the states exclude each other)."""
    if completed:
        return COMPLETED
    if due_on < on:
        return OVERDUE
    return IN_PROGRESS if started else NOT_STARTED


@dataclass
class Plan:
    """The live assignments on a day, ready to be turned into SQL."""
    on: date
    assignments: list      # started, course published; by (due_on, id)

    @property
    def course_ids(self):
        return sorted({a.course_id for a in self.assignments})

    @property
    def courses(self):
        seen = {}
        for a in self.assignments:
            seen.setdefault(a.course_id, a.course)
        return sorted(seen.values(), key=lambda c: (c.title, c.id))

    def for_course(self, course_id):
        return [a for a in self.assignments if a.course_id == course_id]

    def due(self, course_id):
        """SQL: this member's deadline for the course, NULL when it is not required of them."""
        whens = [(match_condition(a), a.due_on) for a in self.for_course(course_id)]
        return case(*whens, else_=null()) if whens else null()

    def required(self):
        """SQL: the member has at least one required course."""
        conditions = [match_condition(a) for a in self.assignments]
        return or_(*conditions) if conditions else ~true()


def load_plan(on=None):
    """One query: the live assignments with their course and target unit."""
    on = on or today()
    rows = db.session.scalars(
        select(Assignment).join(Course, Course.id == Assignment.course_id)
        .where(Assignment.starts_on <= on, Course.status == PUBLISHED)
        .order_by(Assignment.due_on, Assignment.id)).unique()
    return Plan(on=on, assignments=list(rows))
