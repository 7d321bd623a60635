"""The dashboard's member table (filters, paging, export) and one member's record.

    member_page(viewer, filters, page=1, per_page=50, on=None) -> MemberPage
    member_record(viewer, member_id, on=None) -> MemberRecord | None
    member_export_rows(viewer, filters, on=None) -> (header, row iterator)
"""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select

from mooc.accounts.models import CATEGORIES, User
from mooc.assignments import audience, services as assignment_services
from mooc.assignments.audience import COMPLETED, IN_PROGRESS, NOT_STARTED, OVERDUE, STATUSES
from mooc.catalog.models import Course
from mooc.core.permissions import can_view_member
from mooc.core.pagination import clamp_page
from mooc.dashboard import queries
from mooc.dashboard.scope import NoScope, Scope, parse_id, scope_for
from mooc.extensions import db
from mooc.org.models import Organisation
from mooc.progress import hours as hours_rules
from mooc.progress.models import CourseCompletion, LessonProgress
from mooc.progress.services import course_fractions

PER_PAGE = 50


@dataclass
class MemberFilters:
    unit: Organisation | None = None
    category: str | None = None
    course_id: int | None = None
    status: str | None = None
    sort: str = "unit"
    descending: bool = False

    def query_args(self):
        """The filters as URL parameters (links, paging, export forms)."""
        args = {"unit": self.unit.id if self.unit else None, "category": self.category,
                "course": self.course_id, "status": self.status,
                "sort": self.sort if self.sort != "unit" else None,
                "dir": "desc" if self.descending else None}
        return {k: v for k, v in args.items() if v not in (None, "")}


def clean_filters(viewer, args, course_ids):
    """MemberFilters from raw query-string values: anything invalid is dropped."""
    unit = None
    unit_id = parse_id(args.get("unit"))
    if unit_id is not None:
        candidate = scope_for(viewer, unit_id).root
        if candidate is not None and candidate.id == unit_id:
            unit = candidate
    category = args.get("category") if args.get("category") in CATEGORIES else None
    course_id = parse_id(args.get("course"))
    if course_id not in course_ids:
        course_id = None
    status = args.get("status") if args.get("status") in (*STATUSES, queries.NONE) else None
    sort = args.get("sort") if args.get("sort") in queries.MEMBER_SORTS else "unit"
    return MemberFilters(unit=unit, category=category, course_id=course_id, status=status,
                         sort=sort, descending=args.get("dir") == "desc")


def required_courses(viewer):
    """Courses required somewhere in the viewer's reach (filter choices), one query."""
    courses = {a.course.id: a.course for a in assignment_services.assignments_for(viewer)}
    return sorted(courses.values(), key=lambda c: c.title)


def members_select(viewer, filters, on=None):
    on = on or audience.today()
    scope = scope_for(viewer)
    return queries.member_query(
        audience.load_plan(on), scope.path, year=on.year,
        unit_path=filters.unit.path if filters.unit else None,
        category=filters.category, course_id=filters.course_id, status=filters.status,
        sort=filters.sort, descending=filters.descending)


@dataclass
class Page:
    """A page of rows (db.paginate returns only the first column of a multi-column select).

    Shaped like Flask-SQLAlchemy's Pagination, so the `pager` macro works with it.
    """
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self):
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    @property
    def prev_num(self):
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self):
        return self.page + 1 if self.has_next else None


@dataclass
class MemberPage:
    scope: Scope
    filters: MemberFilters
    page: Page             # rows with the columns of queries.member_query
    on: date


def member_page(viewer, filters, page=1, per_page=PER_PAGE, on=None):
    """One page of the member table, whatever the subtree's size: one query (the total
    rides along as a window count), two when the page asked for lies past the end."""
    on = on or audience.today()
    per_page = max(1, min(int(per_page), 200))
    page = clamp_page(page)
    statement = members_select(viewer, filters, on)
    counted = statement.add_columns(func.count().over().label("total_rows"))
    items = db.session.execute(counted.limit(per_page).offset((page - 1) * per_page)).all()
    if items:
        total = items[0].total_rows
    else:
        total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        last = max(1, -(-total // per_page))
        if page > last and total:
            page = last
            items = db.session.execute(counted.limit(per_page)
                                       .offset((page - 1) * per_page)).all()
    return MemberPage(scope=scope_for(viewer), filters=filters,
                      page=Page(items=items, total=total, page=page, per_page=per_page), on=on)


def count_members(viewer, filters, on=None):
    statement = members_select(viewer, filters, on).subquery()
    return db.session.scalar(select(func.count()).select_from(statement)) or 0


STATUS_TEXT = {COMPLETED: "已完成", OVERDUE: "已逾期", IN_PROGRESS: "学习中",
               NOT_STARTED: "未开始", queries.NONE: "无必修"}


def member_export_rows(viewer, filters, on=None):
    """(header, row iterator) for the member table, every page; streamed from the DB."""
    header = ["姓名", "账号", "所属组织", "政治面貌", "必修课程数", "已完成", "学习中",
              "未开始", "逾期", "本年学时", "要求学时", "状态"]

    def rows():
        result = db.session.execute(members_select(viewer, filters, on)
                                    .execution_options(yield_per=1000))
        for r in result:
            yield [r.name, r.username, r.org_name, str(CATEGORIES.get(r.category, r.category)),
                   r.assigned, r.completed, r.in_progress, r.not_started, r.overdue,
                   round(float(r.hours), 2), round(float(r.required), 2),
                   STATUS_TEXT.get(r.status, r.status)]
    return header, rows()


# ---- One member's record --------------------------------------------------------------------

@dataclass
class CourseLine:
    course: Course
    fraction: float
    completed_lessons: int
    seconds: int
    last_activity: object
    completion: CourseCompletion | None = None


@dataclass
class MemberRecord:
    member: User
    required: list         # [assignments.services.RequiredItem]
    courses: list          # [CourseLine], most recent activity first
    completions: list      # [(CourseCompletion, Course)] newest first
    year: int
    hours: float
    requirement: float


def visible_member(viewer, member_id):
    """The member if the viewer may look at them on the dashboard, else None (→ 404)."""
    member = db.session.get(User, member_id) if member_id is not None else None
    if member is None or member.org is None:
        return None
    try:
        scope = scope_for(viewer)
    except NoScope:
        return None
    if scope.base is not None and not member.org.is_within(scope.base):
        return None
    return member if can_view_member(viewer, member) else None


def member_record(viewer, member_id, on=None):
    on = on or audience.today()
    member = visible_member(viewer, member_id)
    if member is None:
        return None
    required = assignment_services.required_for(member, on=on)
    lines = db.session.execute(
        select(LessonProgress.course_id,
               func.sum(case((LessonProgress.completed_at.is_not(None), 1), else_=0)),
               func.sum(LessonProgress.time_spent_seconds), func.max(LessonProgress.updated_at))
        .where(LessonProgress.user_id == member.id).group_by(LessonProgress.course_id)).all()
    completions = db.session.execute(
        select(CourseCompletion, Course).join(Course, Course.id == CourseCompletion.course_id)
        .where(CourseCompletion.user_id == member.id)
        .order_by(CourseCompletion.completed_at.desc())).all()
    course_ids = {row[0] for row in lines} | {item.course.id for item in required}
    courses = {c.id: c for c in db.session.scalars(
        select(Course).where(Course.id.in_(course_ids)))} if course_ids else {}
    fractions = course_fractions(member, list(courses.values()))
    by_completion = {completion.course_id: completion for completion, _ in completions}
    course_lines = [CourseLine(course=courses[cid], fraction=fractions.get(cid, 0.0),
                               completed_lessons=int(done or 0), seconds=int(seconds or 0),
                               last_activity=last, completion=by_completion.get(cid))
                    for cid, done, seconds, last in lines if cid in courses]
    course_lines.sort(key=lambda l: l.last_activity or datetime.min, reverse=True)
    earned = sum(c.hours for c, _ in completions if c.year == on.year)
    return MemberRecord(member=member, required=required, courses=course_lines,
                        completions=completions, year=on.year, hours=round(earned, 2),
                        requirement=_requirement_for(member))


def _requirement_for(member):
    return float(hours_rules.requirement_for(member))

