"""The audit log as a lead sees it: events about units in their subtree, filterable.

Each event carries the unit it concerns (`AuditEvent.org_id`, set by core.audit from
the target) and the request's address, so the subtree filter is the same indexed
range as every other lead-scoped query. Admins see every event.
"""
from datetime import datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from mooc.accounts.models import User
from mooc.core.models import AuditEvent
from mooc.members import permissions as perms
from mooc.org.models import Organisation, subtree_filter

# Filter choices: action prefixes.
KINDS = {"auth.": "登录", "user.": "账号", "member.": "成员变更", "org.": "组织",
         "course.": "课程", "lesson.": "课时", "assignment.": "必修课程"}
EXPORT_LIMIT = 20000


def events_query(actor, *, kind=None, q=None, since=None, until=None):
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    root = perms.scope_root(actor)
    if root is not None:
        query = query.join(Organisation, AuditEvent.org_id == Organisation.id) \
            .where(subtree_filter(Organisation.path, root.path))
    if kind in KINDS:
        query = query.where(AuditEvent.action.startswith(kind, autoescape=True))
    if q:
        text = q.strip().lower()
        actor_user = aliased(User)
        query = query.outerjoin(actor_user, AuditEvent.actor_id == actor_user.id).where(or_(
            func.lower(AuditEvent.summary).contains(text, autoescape=True),
            func.lower(actor_user.username).contains(text, autoescape=True),
            func.lower(actor_user.name).contains(text, autoescape=True),
            AuditEvent.ip == text))
    if since:
        query = query.where(AuditEvent.created_at >= datetime.combine(since, time.min))
    if until:
        query = query.where(AuditEvent.created_at < datetime.combine(until, time.min)
                            + timedelta(days=1))
    return query
