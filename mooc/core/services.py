"""Cross-cutting services: the audit log and user preferences."""
from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from mooc.core.models import AuditEvent
from mooc.core.pagination import paginate
from mooc.extensions import db


def audit(action, target=None, summary="", actor=None, **details):
    """Record an administrative action in the caller's transaction (commits with it)."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    if target is not None and getattr(target, "__tablename__", "") == "organisation":
        org_id = target.id
    else:
        org_id = getattr(target, "org_id", None)
    event = AuditEvent(
        actor_id=getattr(actor, "id", None), action=action, summary=summary, org_id=org_id,
        ip=request.remote_addr if has_request_context() else None,
        target_type=type(target).__name__.lower() if target is not None else None,
        target_id=str(getattr(target, "id", "")) if target is not None else None,
        details=details)
    db.session.add(event)
    return event


def audit_page(page=1, per_page=50, action=None):
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    return paginate(query, page=page, per_page=per_page)


def set_preferences(user, session, *, locale=None, large_text=None):
    """Stored on the account when signed in, so it follows the member to other devices."""
    if locale is not None:
        session["locale"] = locale
        if user.is_authenticated:
            user.locale = locale
    if large_text is not None:
        session["large_text"] = large_text
        if user.is_authenticated:
            user.large_text = large_text
