"""What the dashboards show, assembled from the aggregates in queries.py.

Public functions (also what the bench times; each runs a fixed number of queries):

    overview(viewer, unit_id=None, course_id=None, on=None) -> Overview
    member_page(viewer, filters, page=1, per_page=50, on=None) -> MemberPage
    member_record(viewer, member_id, on=None) -> MemberRecord | None
    member_export_rows(viewer, filters, on=None) -> (header, row iterator)
    course_report(course) -> CourseReport            (the instructor view)
    bench_calls(viewer, member_id=None) -> {name: zero-argument call}

A branch lead's scope is their own subtree; `unit_id` outside it is ignored, never
an error, so a hand-edited URL shows the lead's own numbers and nothing more.
"""
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from mooc.accounts.models import User
from mooc.assignments import audience, services as assignment_services
from mooc.assignments.audience import COMPLETED, IN_PROGRESS, NOT_STARTED, OVERDUE, STATUSES
from mooc.catalog.models import Course, Enrollment, Lesson
from mooc.core.permissions import can_view_member, can_view_org, is_admin
from mooc.dashboard import queries
from mooc.extensions import db
from mooc.org import services as org_services
from mooc.org.models import Organisation
from mooc.progress.models import CourseCompletion, LessonProgress

WEEKS = 12
PER_PAGE = 50


class NoScope(PermissionError):
    """The viewer has no subtree to look at (a branch lead without a unit)."""


@dataclass
class Scope:
    viewer: User
    base: Organisation | None    # the viewer's limit (None: the whole site)
    root: Organisation | None    # the unit being looked at, within base

    @property
    def path(self):
        return self.root.path if self.root is not None else None

    @property
    def name(self):
        return self.root.name if self.root is not None else _l("全部组织")


def scope_for(viewer, unit_id=None):
    """The viewer's scope, narrowed to `unit_id` when that unit is theirs to see."""
    if is_admin(viewer):
        base = None
    elif getattr(viewer, "org", None) is not None and can_view_org(viewer, viewer.org):
        base = viewer.org
    else:
        raise NoScope()
    root = base
    if unit_id is not None:
        unit = db.session.get(Organisation, unit_id)
        if unit is not None and can_view_org(viewer, unit) and (base is None
                                                                 or unit.is_within(base)):
            root = unit
    return Scope(viewer=viewer, base=base, root=root)


def parse_id(value):
    """A positive id from a query-string value, or None (bad input is ignored)."""
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


# ---- Overview ---------------------------------------------------------------------------------

@dataclass
class CourseCell:
    assigned: int = 0
    completed: int = 0
    overdue: int = 0
    in_progress: int = 0

    def add(self, other):
        self.assigned += other.assigned
        self.completed += other.completed
        self.overdue += other.overdue
        self.in_progress += other.in_progress

    @property
    def not_started(self):
        return self.assigned - self.completed - self.overdue - self.in_progress

    @property
    def rate(self):
        return self.completed / self.assigned if self.assigned else None


@dataclass
class UnitStats:
    org: Organisation | None
    depth: int = 0
    members: int = 0
    hours: float = 0.0
    met: int = 0
    required: float = 0.0
    courses: dict = field(default_factory=dict)   # course_id → CourseCell

    def add(self, members, hours, met, required):
        self.members += members
        self.hours += hours
        self.met += met
        self.required += required

    def cell(self, course_id):
        return self.courses.setdefault(course_id, CourseCell())

    @property
    def total(self):
        total = CourseCell()
        for cell in self.courses.values():
            total.add(cell)
        return total

    @property
    def completion_rate(self):
        return self.total.rate

    @property
    def overdue(self):
        return self.total.overdue

    @property
    def average_hours(self):
        return self.hours / self.members if self.members else 0.0

    @property
    def average_required(self):
        return self.required / self.members if self.members else 0.0

    @property
    def name(self):
        return self.org.name if self.org is not None else _l("全部组织")


@dataclass
class Overview:
    scope: Scope
    on: date
    year: int
    units: list            # [UnitStats] in tree order, rolled up
    total: UnitStats       # the scope's root (or the whole site)
    children: list         # [UnitStats] one level below the root: the bar chart
    courses: list          # [Course] required in the scope, by title
    course: Course | None  # the course the page is narrowed to
    histogram: list        # [(label, count)]
    weekly: list           # [(week start, cumulative completed, fraction)]
    requirement: float     # the usual annual requirement (bins of the histogram)

    def rate(self, unit):
        if self.course is not None:
            cell = unit.courses.get(self.course.id)
            return cell.rate if cell else None
        return unit.completion_rate


def _ancestor_ids(path):
    return [int(part) for part in path.strip("/").split("/") if part]


def rolled_up_units(scope, plan, year, edges):
    """([UnitStats] for every unit in scope, each counting its whole subtree; histogram).

    Two queries (units; one aggregate over the members by unit); the roll-up walks
    units and their ancestors, never members.
    """
    units = org_services.flat_tree(scope.root)
    stats = {u.id: UnitStats(org=u, depth=u.depth - (scope.root.depth if scope.root else 0))
             for u in units}
    paths = {u.id: u.path for u in units}
    histogram = [0] * len(edges)
    for org_id, row in queries.unit_rows(plan, scope.path, year, edges).items():
        histogram = [a + b for a, b in zip(histogram, row["bins"])]
        for ancestor in _ancestor_ids(paths.get(org_id, "")):
            if ancestor in stats:
                unit = stats[ancestor]
                unit.add(row["members"], row["hours"], row["met"], row["required"])
                for course_id, counts in row["courses"].items():
                    unit.cell(course_id).add(CourseCell(*counts))
    return [stats[u.id] for u in units], histogram


def _site_total(units):
    total = UnitStats(org=None, depth=-1)
    for unit in units:
        if unit.org.parent_id is None:
            total.add(unit.members, unit.hours, unit.met, unit.required)
            for course_id, cell in unit.courses.items():
                total.cell(course_id).add(cell)
    return total


def base_requirement():
    hours = queries.hours_module()
    if hours is not None and hasattr(hours, "requirement_rules"):
        return float(hours.requirement_rules().get("category:full_member",
                                                    queries.DEFAULT_REQUIREMENT))
    return queries.DEFAULT_REQUIREMENT


def histogram_edges(requirement):
    quarter = requirement / 4 if requirement > 0 else 8.0
    return [0.0, quarter, 2 * quarter, 3 * quarter, 4 * quarter, 6 * quarter]


def _fmt(number):
    return f"{number:.1f}".rstrip("0").rstrip(".")


def histogram_labels(edges):
    labels = [f"{_fmt(a)}–{_fmt(b)}" for a, b in zip(edges, edges[1:])]
    return labels + [f"≥{_fmt(edges[-1])}"]


def week_starts(on, weeks=WEEKS):
    monday = on - timedelta(days=on.weekday())
    return [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def overview(viewer, unit_id=None, course_id=None, on=None):
    """Everything the dashboard's first page shows, in a fixed number of queries."""
    on = on or audience.today()
    year = on.year
    scope = scope_for(viewer, unit_id)
    plan = audience.load_plan(on)
    requirement = base_requirement()
    edges = histogram_edges(requirement)
    units, counts = rolled_up_units(scope, plan, year, edges)
    if scope.root is not None:
        total = units[0]
        children = [u for u in units if u.org.parent_id == scope.root.id]
    else:
        total = _site_total(units)
        children = [u for u in units if u.org.parent_id is None]
    courses = [c for c in plan.courses if c.id in total.courses]
    course = next((c for c in courses if c.id == course_id), None)
    starts = week_starts(on)
    before, per_week = queries.weekly_completions(plan, scope.path, starts)
    assigned = total.total.assigned
    weekly, running = [], before
    for start, count in zip(starts, per_week):
        running += count
        weekly.append((start, running, running / assigned if assigned else 0.0))
    return Overview(scope=scope, on=on, year=year, units=units, total=total, children=children,
                    courses=courses, course=course,
                    histogram=list(zip(histogram_labels(edges), counts)), weekly=weekly,
                    requirement=requirement)


def overview_rows(data):
    """The units table as rows for export: the numbers the page shows, per course too."""
    header = ["组织", "层级", "成员数", "应学人次", "已完成", "完成率", "逾期人次", "人均学时",
              "人均要求学时", "学时达标人数"]
    for course in data.courses:
        header += [f"{course.title}·应学", f"{course.title}·已完成", f"{course.title}·完成率",
                   f"{course.title}·逾期"]
    rows = []
    for unit in data.units:
        total = unit.total
        row = [unit.name, unit.org.kind_label if unit.org else "", unit.members, total.assigned,
               total.completed, percent_text(total.rate), total.overdue,
               round(unit.average_hours, 2), round(unit.average_required, 2), unit.met]
        for course in data.courses:
            cell = unit.courses.get(course.id, CourseCell())
            row += [cell.assigned, cell.completed, percent_text(cell.rate), cell.overdue]
        rows.append([str(v) if hasattr(v, "__html__") else v for v in row])
    return header, rows


def percent_text(rate):
    return "—" if rate is None else f"{round(rate * 100)}%"


# ---- Member table -----------------------------------------------------------------------------

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
    from mooc.accounts.models import CATEGORIES
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
    page = max(1, page if isinstance(page, int) else 1)
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
    from mooc.accounts.models import CATEGORIES
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
    from mooc.progress.services import course_fractions
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
    hours = queries.hours_module()
    if hours is not None and hasattr(hours, "requirement_for"):
        return float(hours.requirement_for(member))
    return queries.DEFAULT_REQUIREMENT


# ---- The instructor view ----------------------------------------------------------------------

@dataclass
class CourseReport:
    course: Course
    enrolled: int
    started: int
    completed: int
    funnel: list           # [(Lesson, started, completed)] in reading order
    quizzes: list          # [(Lesson, [(label, count)], attempts)] best score per learner
    missed: list           # [(Question, answered, missed, rate)]


SCORE_BINS = 10


def course_report(course):
    """Enrolments, the lesson funnel, quiz scores and the most-missed questions: 7 queries."""
    from mooc.progress.services import counted_lessons
    from mooc.quizzes.models import SUBMITTED, Attempt, AttemptAnswer, Question, Quiz
    enrolled = db.session.scalar(select(func.count(Enrollment.id))
                                 .where(Enrollment.course_id == course.id)) or 0
    started = db.session.scalar(select(func.count(func.distinct(LessonProgress.user_id)))
                                .where(LessonProgress.course_id == course.id)) or 0
    completed = db.session.scalar(select(func.count(CourseCompletion.id))
                                  .where(CourseCompletion.course_id == course.id)) or 0
    per_lesson = {row[0]: (row[1], row[2] or 0) for row in db.session.execute(
        select(LessonProgress.lesson_id, func.count(),
               func.sum(case((LessonProgress.completed_at.is_not(None), 1), else_=0)))
        .where(LessonProgress.course_id == course.id).group_by(LessonProgress.lesson_id))}
    lessons = counted_lessons(course.ordered_lessons())
    funnel = [(lesson, *per_lesson.get(lesson.id, (0, 0))) for lesson in lessons]

    best = (select(Attempt.quiz_id, Attempt.user_id, func.max(Attempt.score).label("score"))
            .join(Quiz, Quiz.id == Attempt.quiz_id).join(Lesson, Lesson.id == Quiz.lesson_id)
            .where(Lesson.course_id == course.id, Attempt.status == SUBMITTED,
                   Attempt.score.is_not(None))
            .group_by(Attempt.quiz_id, Attempt.user_id).subquery())
    width = 100 // SCORE_BINS
    bucket = case(*[(best.c.score < (i + 1) * width, i) for i in range(SCORE_BINS - 1)],
                  else_=SCORE_BINS - 1)
    binned = select(best.c.quiz_id, bucket.label("bin")).subquery()
    by_quiz = {}
    for quiz_id, index, count in db.session.execute(
            select(binned.c.quiz_id, binned.c.bin, func.count())
            .group_by(binned.c.quiz_id, binned.c.bin)):
        by_quiz.setdefault(quiz_id, Counter())[max(0, min(SCORE_BINS - 1, int(index)))] += count
    quizzes = []
    for quiz in db.session.scalars(select(Quiz).join(Lesson, Lesson.id == Quiz.lesson_id)
                                   .where(Lesson.course_id == course.id)):
        counts = by_quiz.get(quiz.id, Counter())
        bins = [(f"{i * width}–{(i + 1) * width - 1 if i < SCORE_BINS - 1 else 100}", counts[i])
                for i in range(SCORE_BINS)]
        quizzes.append((quiz.lesson, bins, sum(counts.values())))
    quizzes.sort(key=lambda q: (q[0].position, q[0].id))

    wrong = case((AttemptAnswer.score < 1, 1), else_=0)
    missed_rows = db.session.execute(
        select(AttemptAnswer.question_id, func.count(), func.sum(wrong))
        .join(Attempt, Attempt.id == AttemptAnswer.attempt_id)
        .join(Quiz, Quiz.id == Attempt.quiz_id).join(Lesson, Lesson.id == Quiz.lesson_id)
        .where(Lesson.course_id == course.id, Attempt.status == SUBMITTED,
               AttemptAnswer.score.is_not(None))
        .group_by(AttemptAnswer.question_id)
        .having(func.sum(wrong) > 0)
        .order_by(func.sum(wrong).desc(), AttemptAnswer.question_id).limit(10)).all()
    questions = {q.id: q for q in db.session.scalars(select(Question).where(
        Question.id.in_([r[0] for r in missed_rows])))} if missed_rows else {}
    missed = [(questions[qid], answered, misses, misses / answered)
              for qid, answered, misses in missed_rows if qid in questions]
    return CourseReport(course=course, enrolled=enrolled, started=started, completed=completed,
                        funnel=funnel, quizzes=quizzes, missed=missed)


def owned_courses(viewer):
    """Courses an instructor owns (admins: all), with enrolment and completion counts."""
    from mooc.catalog.models import course_owner
    query = select(Course).order_by(Course.title)
    if not is_admin(viewer):
        query = query.join(course_owner, course_owner.c.course_id == Course.id) \
            .where(course_owner.c.user_id == viewer.id)
    courses = list(db.session.scalars(query))
    ids = [c.id for c in courses]
    if not ids:
        return []
    enrolled = dict(db.session.execute(select(Enrollment.course_id, func.count())
                                       .where(Enrollment.course_id.in_(ids))
                                       .group_by(Enrollment.course_id)).all())
    done = dict(db.session.execute(select(CourseCompletion.course_id, func.count())
                                   .where(CourseCompletion.course_id.in_(ids))
                                   .group_by(CourseCompletion.course_id)).all())
    return [(c, enrolled.get(c.id, 0), done.get(c.id, 0)) for c in courses]



def bench_calls(viewer, member_id=None, on=None):
    """{name: zero-argument call} — the dashboard's service entry points, for bench/."""
    courses = required_courses(viewer)
    calls = {
        "overview": lambda: overview(viewer, on=on),
        "member_page": lambda: member_page(viewer, MemberFilters(), on=on),
        "member_page_overdue_by_progress": lambda: member_page(
            viewer, MemberFilters(status=OVERDUE, sort="progress"), on=on),
        "member_export_rows": lambda: sum(1 for _ in member_export_rows(
            viewer, MemberFilters(), on=on)[1]),
    }
    if courses:
        calls["overview_one_course"] = lambda: overview(viewer, course_id=courses[0].id, on=on)
        calls["member_page_one_course"] = lambda: member_page(
            viewer, MemberFilters(course_id=courses[0].id, status=COMPLETED), on=on)
    if member_id is not None:
        calls["member_record"] = lambda: member_record(viewer, member_id, on=on)
    return calls
