"""SQL for the dashboards: every number is an aggregate over one scan of the members.

All functions take `scope_path` — the materialised path of the unit whose subtree is
being looked at (None: the whole site) — and a `Plan` (mooc.assignments.audience):
the live assignments as SQL conditions. Each member is one row; per required course
the row knows its deadline (a CASE on unit path and category), whether the course is
done (a bit in a per-member mask built from course_completion in one grouped pass)
and, only where it matters (not done, not overdue), whether it was begun (an
index-only probe of lesson_progress). GROUP BY unit then gives every unit × course
count in one statement, so the number of statements never depends on the number of
members (tests/dashboard/test_query_count.py) and the work grows with members, not
with members × assignments.

"Members" are active accounts that belong to a unit; study hours are this calendar
year's (site time zone), from `mooc.progress.hours`.
"""
from sqlalchemy import BigInteger, Float, Integer, and_, case, cast, exists, func, literal, select

from mooc.accounts.models import User
from mooc.assignments.audience import (COMPLETED, IN_PROGRESS, NOT_STARTED, OVERDUE, MemberOrg,
                                       Plan, local_midnight_utc, match_condition)
from mooc.extensions import db
from mooc.org.models import subtree_filter
from mooc.progress import hours as hours_rules
from mooc.progress.models import CommitteeMember, CourseCompletion, LessonProgress

DEFAULT_REQUIREMENT = 32.0   # 《党员教育管理工作条例》: at least 32 学时 a year
NONE = "none"                # a member with no required course
EPSILON = 1e-9               # 31.999999 学时 from float sums still meets 32
MASK_BITS = 60               # courses per 64-bit completion mask


def member_conditions(scope_path):
    conditions = [User.active.is_(True)]
    if scope_path:
        conditions.append(subtree_filter(MemberOrg.path, scope_path))
    return conditions


def from_members(query):
    """… FROM user JOIN organisation AS member_org: members and the unit they belong to."""
    return query.select_from(User).join(MemberOrg, MemberOrg.id == User.org_id)


def completed_bit(mask, bit):
    """SQL 0/1: bit `bit` of a completion mask."""
    # The shift count must be typed INTEGER: PostgreSQL has `bigint >> integer` only.
    return mask.op(">>")(literal(bit, Integer)).op("&")(1)


def _scope_user_ids(scope_path):
    return from_members(select(User.id)).where(subtree_filter(MemberOrg.path, scope_path))


# ---- Study hours (学时) ---------------------------------------------------------------------

def hours_subquery(year, scope_path=None):
    """Subquery (user_id, hours): hours earned in `year`; members with none are absent."""
    query = hours_rules.hours_by_user_query(year)
    if scope_path:  # a branch lead's page never sums the whole site
        query = query.where(CourseCompletion.user_id.in_(_scope_user_ids(scope_path)))
    return query.subquery("year_hours")


def _greatest(parts):
    result = parts[0]
    for part in parts[1:]:
        result = case((result >= part, result), else_=part)
    return result


def requirement_expression():
    """SQL: each member's annual requirement, the same rule as hours.requirement_for.

    hours.py keys its rules "category:<c>", "role:<r>" and "committee" and takes the
    largest that applies; this mirrors it as CASE expressions (one query reads the
    rules), so "met the requirement" is counted in SQL. A test compares both.
    """
    values = hours_rules.requirement_rules()
    by_category = {k.split(":", 1)[1]: float(v) for k, v in values.items()
                   if k.startswith("category:")}
    by_role = {k.split(":", 1)[1]: float(v) for k, v in values.items() if k.startswith("role:")}
    parts = [literal(0.0, Float)]
    if by_category:
        parts.append(case(by_category, value=User.category, else_=0.0))
    if by_role:
        parts.append(case(by_role, value=User.role, else_=0.0))
    if hours_rules.COMMITTEE in values:
        parts.append(case((exists().where(CommitteeMember.user_id == User.id),
                           float(values[hours_rules.COMMITTEE])), else_=0.0))
    return _greatest(parts)


# ---- Per member × course ------------------------------------------------------------------

class Courses:
    """The per-member, per-course SQL pieces for one plan and scope.

    `member_layer` is one row per member with, for each course, the deadline (NULL:
    not required of them) and the completion masks. It is fenced with OFFSET 0 so the
    database computes it once per member instead of inlining the CASE expressions
    into every aggregate that reads them; `terms` then reads plain columns.
    """

    def __init__(self, plan, scope_path, course_ids=None):
        self.plan = plan
        self.on = plan.on
        self.ids = list(course_ids if course_ids is not None else plan.course_ids)
        self.masks = self._masks(scope_path) if self.ids else None

    def _masks(self, scope_path):
        """Subquery (user_id, m0, m1, …): bit k of m<j> = completed course ids[j*60+k]."""
        columns = []
        for j in range(0, len(self.ids), MASK_BITS):
            bits = {cid: 1 << k for k, cid in enumerate(self.ids[j:j + MASK_BITS])}
            columns.append(cast(func.sum(case(bits, value=CourseCompletion.course_id, else_=0)),
                                BigInteger).label(f"m{j // MASK_BITS}"))
        query = select(CourseCompletion.user_id.label("user_id"), *columns) \
            .where(CourseCompletion.course_id.in_(self.ids)).group_by(CourseCompletion.user_id)
        if scope_path:
            query = query.where(CourseCompletion.user_id.in_(_scope_user_ids(scope_path)))
        return query.subquery("done")

    def member_columns(self):
        """Columns for the member layer: due_<i> per course and the masks m<j>."""
        columns = [self.plan.due(cid).label(f"due_{i}") for i, cid in enumerate(self.ids)]
        if self.masks is not None:
            columns += [func.coalesce(column, 0).label(column.name)
                        for column in self.masks.c if column.name != "user_id"]
        return columns

    def join(self, query):
        if self.masks is None:
            return query
        return query.outerjoin(self.masks, self.masks.c.user_id == User.id)

    def terms(self, layer, course_id, user_id):
        """SQL 0/1 each over a member layer: (assigned, completed, overdue, in progress)."""
        i = self.ids.index(course_id)
        due = layer.c[f"due_{i}"]
        done = completed_bit(layer.c[f"m{i // MASK_BITS}"], i % MASK_BITS)
        started = exists().where(LessonProgress.user_id == user_id,
                                 LessonProgress.course_id == course_id)
        return (case((due.is_not(None), 1), else_=0),
                case((and_(due.is_not(None), done == 1), 1), else_=0),
                case((and_(due < self.on, done == 0), 1), else_=0),
                case((and_(due >= self.on, done == 0, started), 1), else_=0))


def member_layer(courses, scope_path, year, *extra, where=()):
    """Subquery: one row per member in scope — id, org_id, hours, required, due_*, m*."""
    hours_sq = hours_subquery(year, scope_path)
    query = (from_members(select(
        User.id.label("id"), User.org_id.label("org_id"),
        func.coalesce(hours_sq.c.hours, 0.0).label("hours"),
        requirement_expression().label("required"), *extra, *courses.member_columns()))
        .outerjoin(hours_sq, hours_sq.c.user_id == User.id)
        .where(*member_conditions(scope_path), *where))
    # OFFSET 0: an optimisation fence in SQLite and PostgreSQL (see Courses).
    return courses.join(query).offset(0).subquery("member_layer")


# ---- Unit aggregates ----------------------------------------------------------------------

def unit_rows(plan, scope_path, year, edges):
    """One statement: per unit (direct members only), everything the overview shows.

    Returns {org_id: {"members", "hours", "met", "required", "bins": [...],
    "courses": {course_id: (assigned, completed, overdue, in_progress)}}}.
    `edges` are the lower bounds of the hours histogram's bins.
    """
    courses = Courses(plan, scope_path)
    layer = member_layer(courses, scope_path, year)
    earned = layer.c.hours
    bin_index = case(*[(earned < edge, i) for i, edge in enumerate(edges[1:])],
                     else_=len(edges) - 1)
    columns = [layer.c.org_id, func.count(), func.sum(earned),
               func.sum(case((earned + EPSILON >= layer.c.required, 1), else_=0)),
               func.sum(layer.c.required)]
    columns += [func.sum(case((bin_index == i, 1), else_=0)) for i in range(len(edges))]
    for course_id in courses.ids:
        columns += [func.sum(term) for term in courses.terms(layer, course_id, layer.c.id)]
    result = {}
    nbins = len(edges)
    for row in db.session.execute(select(*columns).group_by(layer.c.org_id)):
        values = list(row)
        org_id, members, hours, met, required_sum = values[:5]
        bins = [int(v or 0) for v in values[5:5 + nbins]]
        rest = values[5 + nbins:]
        per_course = {cid: tuple(int(v or 0) for v in rest[i * 4:i * 4 + 4])
                      for i, cid in enumerate(courses.ids)}
        result[org_id] = {"members": members, "hours": float(hours or 0), "met": int(met or 0),
                          "required": float(required_sum or 0), "bins": bins,
                          "courses": {cid: v for cid, v in per_course.items() if v[0]}}
    return result


def weekly_completions(plan, scope_path, week_starts):
    """Completions of required courses before the first week and within each week.

    `week_starts` are local dates (Mondays), oldest first. One statement: the week is
    a CASE on completed_at against the weeks' UTC boundaries; a completion counts when
    the course is required of that member (their deadline is not NULL).
    """
    if not plan.assignments:
        return 0, [0] * len(week_starts)
    bounds = [local_midnight_utc(day) for day in week_starts]
    bucket = case(*[(CourseCompletion.completed_at < bound, i - 1)
                    for i, bound in enumerate(bounds)], else_=len(bounds) - 1)
    required = case({cid: plan.due(cid) for cid in plan.course_ids},
                    value=CourseCompletion.course_id)
    weeks = (from_members(select(bucket.label("week")))
             .join(CourseCompletion, CourseCompletion.user_id == User.id)
             .where(*member_conditions(scope_path), CourseCompletion.course_id.in_(plan.course_ids),
                    required.is_not(None))
             .subquery("weeks"))
    # Grouped through a subquery column: PostgreSQL would not match a GROUP BY on a CASE
    # whose literals are bound as separate parameters.
    per_week, before = [0] * len(bounds), 0
    for index, count in db.session.execute(select(weeks.c.week, func.count())
                                           .group_by(weeks.c.week)):
        if int(index) < 0:
            before += count
        else:
            per_week[int(index)] += count
    return before, per_week


def assignment_progress(assignments, scope_path, on):
    """{assignment_id: (members, completed, overdue)} within the scope, one statement."""
    if not assignments:
        return {}
    courses = Courses(Plan(on=on, assignments=list(assignments)), scope_path)
    columns = []
    for a in assignments:
        i = courses.ids.index(a.course_id)
        mask = func.coalesce(courses.masks.c[f"m{i // MASK_BITS}"], 0)
        match, done = match_condition(a), completed_bit(mask, i % MASK_BITS)
        columns += [func.sum(case((match, 1), else_=0)),
                    func.sum(case((and_(match, done == 1), 1), else_=0)),
                    func.sum(case((and_(match, done == 0, a.due_on < on), 1), else_=0))]
    row = db.session.execute(courses.join(from_members(select(*columns)))
                             .where(*member_conditions(scope_path))).one()
    return {a.id: tuple(int(v or 0) for v in row[i * 3:i * 3 + 3])
            for i, a in enumerate(assignments)}


# ---- The member table ------------------------------------------------------------------------

MEMBER_SORTS = ("name", "unit", "hours", "progress", "overdue")


def member_query(plan, scope_path, *, year, unit_path=None, category=None, course_id=None,
                 status=None, sort="unit", descending=False):
    """One SELECT of member rows with their required-course counts, hours and status.

    With `course_id`, only members that course is required of, and `status` is their
    status on it; without, `status` is the member's overall state (any overdue →
    overdue; all done → completed; anything begun → in progress; else not started).
    """
    ids = [course_id] if course_id is not None else plan.course_ids
    courses = Courses(plan, scope_path, ids)
    where = []
    if unit_path:
        where.append(subtree_filter(MemberOrg.path, unit_path))
    if category:
        where.append(User.category == category)
    if course_id is not None:
        where.append(plan.due(course_id).is_not(None))
    layer = member_layer(courses, scope_path, year, User.name.label("name"),
                         User.username.label("username"), User.category.label("category"),
                         MemberOrg.name.label("org_name"), MemberOrg.path.label("org_path"),
                         where=where)
    terms = [courses.terms(layer, cid, layer.c.id) for cid in ids]

    def total(index):
        return sum((t[index] for t in terms), literal(0)) if terms else literal(0)

    l = layer.c
    # Fenced too: each count (with its lesson-record probes) is computed once per member.
    counted = select(l.id, l.name, l.username, l.category, l.org_id, l.org_name, l.org_path,
                     l.hours, l.required, total(0).label("assigned"),
                     total(1).label("completed"), total(2).label("overdue"),
                     total(3).label("in_progress")).offset(0).subquery("counted")
    c = counted.c
    status_expr = case((c.assigned == 0, NONE), (c.overdue > 0, OVERDUE),
                       (c.completed == c.assigned, COMPLETED),
                       (c.completed + c.in_progress > 0, IN_PROGRESS), else_=NOT_STARTED)
    rows = select(c.id, c.name, c.username, c.category, c.org_id, c.org_name, c.org_path,
                  c.assigned, c.completed, c.in_progress, c.overdue,
                  (c.assigned - c.completed - c.overdue - c.in_progress).label("not_started"),
                  c.hours, c.required, status_expr.label("status")).subquery("members")
    query = select(rows)
    if status:
        query = query.where(rows.c.status == status)
    ratio = case((rows.c.assigned > 0, rows.c.completed * 1.0 / rows.c.assigned), else_=-1.0)
    key = {"name": [rows.c.name], "unit": [rows.c.org_path, rows.c.name],
           "hours": [rows.c.hours], "progress": [ratio], "overdue": [rows.c.overdue]}.get(
        sort, [rows.c.org_path, rows.c.name])
    order = [k.desc() for k in key] if descending else list(key)
    return query.order_by(*order, rows.c.id)
