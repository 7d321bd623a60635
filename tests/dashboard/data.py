"""Generated committees for dashboard tests, and the expected numbers in plain Python.

Members, lesson progress and completions are bulk-inserted (SQLAlchemy Core) so a
1,000-member committee builds in a second or two. `expected_*` recompute every
number from the raw rows with straightforward Python — deliberately not reusing the
SQL — so the dashboards are checked against an independent reading of the rules.
"""
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from mooc.accounts.models import CATEGORIES, User
from mooc.accounts.services import hash_password
from mooc.assignments import audience
from mooc.assignments.models import Assignment, categories_text
from mooc.catalog.models import Course, Lesson
from mooc.extensions import db
from mooc.org.models import Organisation
from mooc.progress import hours as hours_module
from mooc.progress.models import CourseCompletion, LessonProgress
from tests import factories
from tests.catalog_factories import make_course

CATEGORY_KEYS = list(CATEGORIES)


@dataclass
class Committee:
    committee: Organisation
    g1: Organisation
    g2: Organisation
    b11: Organisation
    b12: Organisation
    b21: Organisation
    group: Organisation
    courses: list
    assignments: list = field(default_factory=list)
    lead1: User = None      # branch lead of 第一党总支 (g1)
    lead2: User = None      # branch lead of 第二党总支 (g2)

    @property
    def leaves(self):
        return [self.b11, self.b12, self.b21, self.group, self.g1, self.committee]


def build_committee(courses=3):
    committee = factories.make_org("测试党委", "committee")
    g1 = factories.make_org("第一党总支", "general_branch", committee)
    g2 = factories.make_org("第二党总支", "general_branch", committee)
    b11 = factories.make_org("第一党支部", "branch", g1)
    b12 = factories.make_org("第二党支部", "branch", g1)
    b21 = factories.make_org("第三党支部", "branch", g2)
    group = factories.make_org("第一党小组", "group", b11)
    made = [make_course(f"必修课程{i + 1}", lessons=2) for i in range(courses)]
    data = Committee(committee, g1, g2, b11, b12, b21, group, made)
    data.lead1 = factories.make_user(username="lead-g1", role="branch_lead", org=g1,
                                     name="一总支书记")
    data.lead2 = factories.make_user(username="lead-g2", role="branch_lead", org=g2,
                                     name="二总支书记")
    return data


def assign(data, on=None):
    """A mix: site-wide, a subtree with a category, a duplicate course, a future one."""
    on = on or audience.today()
    c = data.courses
    rows = [
        Assignment(course_id=c[0].id, org_id=None,
                   categories=categories_text(["full_member", "probationary", "candidate"]),
                   starts_on=on - timedelta(days=60), due_on=on - timedelta(days=5)),
        Assignment(course_id=c[1].id, org_id=data.g1.id,
                   categories=categories_text(["probationary", "full_member"]),
                   starts_on=on - timedelta(days=10), due_on=on + timedelta(days=20)),
        Assignment(course_id=c[0].id, org_id=data.b21.id, categories="",
                   starts_on=on - timedelta(days=30), due_on=on - timedelta(days=20)),
        Assignment(course_id=c[2].id, org_id=data.g2.id, categories="",
                   starts_on=on - timedelta(days=3), due_on=on + timedelta(days=3)),
        Assignment(course_id=c[2].id, org_id=data.g1.id, categories="",
                   starts_on=on + timedelta(days=3), due_on=on + timedelta(days=30)),
    ]
    db.session.add_all(rows)
    db.session.commit()
    data.assignments = rows
    return rows


_PASSWORD_HASH = None


def bulk_members(data, count, seed=1, prefix="m"):
    """Insert `count` members spread over the units; returns their ids."""
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(factories.PASSWORD)
    rng = random.Random(seed)
    units = data.leaves
    start = db.session.scalar(select(db.func.count(User.id))) or 0
    rows = [{"username": f"{prefix}{start + i}", "name": f"成员{prefix}{start + i}",
             "org_id": rng.choice(units).id, "category": rng.choice(CATEGORY_KEYS),
             "role": "learner", "active": rng.random() > 0.05, "password_hash": _PASSWORD_HASH}
            for i in range(count)]
    db.session.execute(insert(User), rows)
    db.session.commit()
    return list(db.session.scalars(select(User.id).where(
        User.username.in_([r["username"] for r in rows]))))


def bulk_study(data, user_ids, seed=2, year=None):
    """Random lesson progress and completions (this year and last) for these members."""
    rng = random.Random(seed)
    year = year or audience.today().year
    lessons = {c.id: list(db.session.scalars(select(Lesson.id).where(Lesson.course_id == c.id)))
               for c in data.courses}
    existing = {(u, c) for u, c in db.session.execute(
        select(CourseCompletion.user_id, CourseCompletion.course_id))}
    progress, completions = [], []
    now = datetime.utcnow().replace(microsecond=0)
    for user_id in user_ids:
        for course in data.courses:
            roll = rng.random()
            if roll < 0.35:
                continue
            done = roll > 0.7 and (user_id, course.id) not in existing
            for lesson_id in lessons[course.id][: (2 if done else 1)]:
                value = 1.0 if done else rng.choice([0.0, 0.3, 1.0])
                progress.append({"user_id": user_id, "lesson_id": lesson_id,
                                 "course_id": course.id, "progress": value,
                                 "completed_at": now if value >= 1 else None,
                                 "time_spent_seconds": rng.randint(0, 3600), "data": {},
                                 "created_at": now, "updated_at": now})
            if done:
                when = now - timedelta(days=rng.randint(0, 80))
                this_year = rng.random() < 0.8
                completions.append({"user_id": user_id, "course_id": course.id,
                                    "completed_at": when,
                                    "year": year if this_year else year - 1,
                                    "hours": rng.choice([4.0, 8.5, 16.0, 32.0])})
    if progress:
        db.session.execute(insert(LessonProgress), progress)
    if completions:
        db.session.execute(insert(CourseCompletion), completions)
    db.session.commit()


# ---- Expected numbers, straight from the rows ------------------------------------------------

@dataclass
class Raw:
    units: dict          # id → Organisation
    members: list        # active users with a unit
    assignments: list
    completions: dict    # (user_id, course_id) → CourseCompletion
    started: set         # (user_id, course_id) with progress > 0
    published: set


def load_raw():
    units = {u.id: u for u in db.session.scalars(select(Organisation))}
    members = [u for u in db.session.scalars(select(User)) if u.active and u.org_id]
    completions = {(c.user_id, c.course_id): c for c in db.session.scalars(
        select(CourseCompletion))}
    started = {(p.user_id, p.course_id) for p in db.session.scalars(select(LessonProgress))}
    published = {c.id for c in db.session.scalars(select(Course)) if c.status == "published"}
    return Raw(units, members, list(db.session.scalars(select(Assignment))), completions,
               started, published)


def obligations_of(raw, member, on):
    """{course_id: due_on} for one member, by reading the rules literally."""
    path = raw.units[member.org_id].path
    due = {}
    for a in raw.assignments:
        if a.starts_on > on or a.course_id not in raw.published:
            continue
        if a.org_id is not None and not path.startswith(raw.units[a.org_id].path):
            continue
        cats = [c for c in a.categories.split("|") if c]
        if cats and member.category not in cats:
            continue
        due[a.course_id] = min(due.get(a.course_id, a.due_on), a.due_on)
    return due


def status_of(raw, member, course_id, due_on, on):
    if (member.id, course_id) in raw.completions:
        return "completed"
    if due_on < on:
        return "overdue"
    if (member.id, course_id) in raw.started:
        return "in_progress"
    return "not_started"


def member_hours(raw, member, year):
    return sum(c.hours for (uid, _cid), c in raw.completions.items()
               if uid == member.id and c.year == year)


def expected_units(raw, root, on):
    """{unit_id: dict(members, assigned, completed, overdue, hours, met, per_course)}."""
    year = on.year
    scope = [u for u in raw.units.values() if root is None or u.path.startswith(root.path)]
    result = {}
    for unit in scope:
        inside = [m for m in raw.members if raw.units[m.org_id].path.startswith(unit.path)]
        per_course = {}
        hours = met = 0
        for m in inside:
            earned = member_hours(raw, m, year)
            hours += earned
            met += earned + 1e-9 >= hours_module.requirement_for(m)
            for course_id, due_on in obligations_of(raw, m, on).items():
                cell = per_course.setdefault(course_id, {"assigned": 0, "completed": 0,
                                                         "overdue": 0, "in_progress": 0,
                                                         "not_started": 0})
                cell["assigned"] += 1
                cell[status_of(raw, m, course_id, due_on, on)] += 1
        result[unit.id] = {
            "members": len(inside), "hours": hours, "met": met, "per_course": per_course,
            "assigned": sum(c["assigned"] for c in per_course.values()),
            "completed": sum(c["completed"] for c in per_course.values()),
            "overdue": sum(c["overdue"] for c in per_course.values())}
    return result


def expected_members(raw, root, on):
    """{user_id: dict(assigned, completed, overdue, hours, status)} for members under root."""
    result = {}
    for m in raw.members:
        if root is not None and not raw.units[m.org_id].path.startswith(root.path):
            continue
        statuses = [status_of(raw, m, cid, due, on)
                    for cid, due in obligations_of(raw, m, on).items()]
        if not statuses:
            overall = "none"
        elif "overdue" in statuses:
            overall = "overdue"
        elif all(s == "completed" for s in statuses):
            overall = "completed"
        elif any(s in ("completed", "in_progress") for s in statuses):
            overall = "in_progress"
        else:
            overall = "not_started"
        result[m.id] = {"assigned": len(statuses), "completed": statuses.count("completed"),
                        "overdue": statuses.count("overdue"),
                        "hours": member_hours(raw, m, on.year), "status": overall,
                        "name": m.name}
    return result
