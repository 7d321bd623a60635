"""Required-course rules: creating assignments, and what each member must do by when.

Plain functions; the caller commits. Rule violations raise AssignmentError with a
Chinese message for the user. Every change is audited.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select, update

from mooc.assignments import audience
from mooc.assignments.models import Assignment, categories_text
from mooc.assignments.permissions import (can_assign, can_manage_assignment,
                                          can_see_assignment, can_target_org)
from mooc.accounts.models import CATEGORIES
from mooc.catalog.models import PUBLISHED, Course
from mooc.core.permissions import is_admin
from mooc.core.services import audit
from mooc.extensions import db
from mooc.org import services as org_services
from mooc.org.models import Organisation, subtree_filter
from mooc.progress.models import CourseCompletion, LessonProgress

DUE_SOON_DAYS = 7


class AssignmentError(ValueError):
    """A rule was broken; the message is for the user, in Chinese."""


def _clean(actor, course, org, categories, starts_on, due_on):
    if course is None:
        raise AssignmentError("请选择课程。")
    if course.status != PUBLISHED:
        raise AssignmentError("只能把已发布的课程设为必修。")
    if actor is not None and not can_target_org(actor, org):  # None: a system job (demo)
        raise AssignmentError("只能为本组织及下级组织设置必修课程。" if org is not None
                              else "只有管理员可以为全部组织设置必修课程。")
    unknown = [c for c in categories or [] if c not in CATEGORIES]
    if unknown:
        raise AssignmentError("政治面貌无效。")
    if not isinstance(starts_on, date) or not isinstance(due_on, date):
        raise AssignmentError("请填写开始日期和截止日期。")
    if due_on < starts_on:
        raise AssignmentError("截止日期不能早于开始日期。")
    return categories_text(categories)


def describe(assignment):
    """“第一党总支 · 预备党员” — the audience in words, for lists and the audit log."""
    where = assignment.org.name if assignment.org else "全部组织"
    labels = [str(label) for label in assignment.category_labels]
    return where + (" · " + "、".join(labels) if labels else "")


def create_assignment(actor, *, course, org, categories=(), starts_on, due_on, note=""):
    text = _clean(actor, course, org, categories, starts_on, due_on)
    assignment = Assignment(course=course, org=org, categories=text, starts_on=starts_on,
                            due_on=due_on, note=(note or "").strip()[:2000],
                            created_by_id=getattr(actor, "id", None))
    db.session.add(assignment)
    db.session.flush()
    audit("assignment.create", assignment,
          f"设置必修课程《{course.title}》：{describe(assignment)}，截止 {due_on}",
          actor=actor, course_id=course.id, org_id=getattr(org, "id", None),
          categories=assignment.category_list, starts_on=str(starts_on), due_on=str(due_on))
    return assignment


def update_assignment(actor, assignment, *, course, org, categories=(), starts_on, due_on,
                      note=""):
    if not can_manage_assignment(actor, assignment):
        raise AssignmentError("您不能修改这项必修安排。")
    text = _clean(actor, course, org, categories, starts_on, due_on)
    assignment.course, assignment.org, assignment.categories = course, org, text
    assignment.starts_on, assignment.due_on = starts_on, due_on
    assignment.note = (note or "").strip()[:2000]
    audit("assignment.update", assignment,
          f"修改必修课程《{course.title}》：{describe(assignment)}，截止 {due_on}",
          actor=actor, course_id=course.id, org_id=getattr(org, "id", None),
          categories=assignment.category_list, starts_on=str(starts_on), due_on=str(due_on))
    return assignment


def delete_assignment(actor, assignment):
    if not can_manage_assignment(actor, assignment):
        raise AssignmentError("您不能删除这项必修安排。")
    audit("assignment.delete", assignment,
          f"取消必修课程《{assignment.course.title}》：{describe(assignment)}", actor=actor,
          course_id=assignment.course_id, org_id=assignment.org_id)
    db.session.delete(assignment)


def assignments_for(viewer):
    """Assignments a viewer may see in the management list (newest deadline first)."""
    if not can_assign(viewer):
        return []
    query = select(Assignment).order_by(Assignment.due_on.desc(), Assignment.id.desc())
    if not is_admin(viewer):
        org = viewer.org
        ancestors = [int(p) for p in org.path.strip("/").split("/") if p]
        below = select(Organisation.id).where(subtree_filter(Organisation.path, org.path))
        query = query.where(or_(Assignment.org_id.is_(None), Assignment.org_id.in_(ancestors),
                                Assignment.org_id.in_(below)))
    return [a for a in db.session.scalars(query).unique() if can_see_assignment(viewer, a)]


def published_courses():
    """Courses that may be made required (choices for the form)."""
    return list(db.session.scalars(select(Course).where(Course.status == PUBLISHED)
                                   .order_by(Course.title)))


# ---- What a member must do ------------------------------------------------------------

@dataclass
class RequiredItem:
    course: Course
    due_on: date
    status: str
    completed_at: object = None

    @property
    def days_left(self):
        return (self.due_on - audience.today()).days

    @property
    def is_overdue(self):
        return self.status == audience.OVERDUE

    @property
    def due_soon(self):
        return self.status != audience.COMPLETED and 0 <= self.days_left <= DUE_SOON_DAYS


def required_for(user, on=None):
    """[RequiredItem] for one member: each required course once, most urgent first.

    Three queries whatever the number of assignments: the live assignments (matched
    in Python with `audience.applies_to`, the twin of the SQL rule), then this
    member's completions and lesson records for those courses.
    """
    if not (user and getattr(user, "org", None) is not None and user.active):
        return []
    plan = audience.load_plan(on)
    dues, courses = {}, {}
    for assignment in plan.assignments:
        if audience.applies_to(assignment, user):
            course_id = assignment.course_id
            dues[course_id] = min(dues.get(course_id, assignment.due_on), assignment.due_on)
            courses[course_id] = assignment.course
    if not dues:
        return []
    done = {c.course_id: c for c in db.session.scalars(select(CourseCompletion).where(
        CourseCompletion.user_id == user.id, CourseCompletion.course_id.in_(dues)))}
    started = set(db.session.scalars(select(LessonProgress.course_id).where(
        LessonProgress.user_id == user.id, LessonProgress.course_id.in_(dues)).distinct()))
    items = [RequiredItem(courses[cid], due, audience.status_of(cid in done, due, cid in started,
                                                                plan.on),
                          done[cid].completed_at if cid in done else None)
             for cid, due in dues.items()]
    order = {audience.OVERDUE: 0, audience.IN_PROGRESS: 1, audience.NOT_STARTED: 1,
             audience.COMPLETED: 2}
    return sorted(items, key=lambda i: (order[i.status], i.due_on, i.course.title))


def due_items(user):
    """For "我的学习" (mooc.progress.views.DUE_SOURCES): [(course, due_on, overdue)].

    Completed ones are included; that page marks them done from its own records.
    """
    return [(item.course, item.due_on, item.is_overdue) for item in required_for(user)]


def _merge_hook(source, target):
    """Organisation merge: assignments aimed at the old unit now aim at the new one."""
    db.session.execute(update(Assignment).where(Assignment.org_id == source.id)
                       .values(org_id=target.id).execution_options(synchronize_session=False))


if _merge_hook not in org_services.MERGE_HOOKS:
    org_services.MERGE_HOOKS.append(_merge_hook)
