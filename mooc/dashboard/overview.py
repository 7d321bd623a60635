"""The dashboard's first page: completion and study hours per unit, rolled up the tree.

    overview(viewer, unit_id=None, course_id=None, on=None) -> Overview   (fixed query count)
    overview_rows(data) -> (header, rows)                                 (the export)
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from mooc.assignments import audience
from mooc.catalog.models import Course
from mooc.dashboard import queries
from mooc.dashboard.scope import Scope, scope_for
from mooc.org import services as org_services
from mooc.org.models import Organisation
from mooc.progress import hours as hours_rules

WEEKS = 12


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
    return float(hours_rules.requirement_rules().get("category:full_member",
                                                     queries.DEFAULT_REQUIREMENT))


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

