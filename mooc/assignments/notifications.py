"""In-site notifications (通知) and e-mail reminders about required courses.

Reminders are written with one INSERT … SELECT per assignment, straight from the
audience query, so a run costs the same number of statements for 10 members or
10,000. Each row carries a unique `dedupe_key` (kind:assignment:day:user): running
the job twice on the same day, or twice at once, cannot remind anyone twice. On top
of that, "due soon" is sent once per assignment and "overdue" at most weekly, so an
inbox never fills with the same message.

E-mail goes out from a background task only when MAIL_SERVER is configured; one
message per member lists their new reminders. Without SMTP nothing is attempted.
"""
import re
import smtplib
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app, has_request_context, url_for
from sqlalchemy import (DateTime, Integer, String, and_, cast, exists, func, insert, literal,
                        select, update)
from sqlalchemy.dialects import postgresql, sqlite

from mooc.accounts.models import User
from mooc.assignments import audience
from mooc.assignments.audience import MemberOrg
from mooc.assignments.models import DUE_SOON, LEAD_REMINDER, OVERDUE, Assignment, Notification
from mooc.assignments.permissions import can_see_assignment, reminder_scope
from mooc.assignments.services import DUE_SOON_DAYS
from mooc.catalog.models import PUBLISHED, Course
from mooc.core import jobs
from mooc.core.models import utcnow
from mooc.core.services import audit
from mooc.extensions import db
from mooc.org.models import subtree_filter
from mooc.progress.models import CourseCompletion

OVERDUE_REPEAT_DAYS = 7
EMAIL_WINDOW = timedelta(days=2)   # older unsent notifications are never e-mailed
EMAIL_BATCH = 5000
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def site_path(endpoint, **values):
    """A site-relative URL, also from a background task (no request, no SERVER_NAME)."""
    if has_request_context():
        return url_for(endpoint, **values)
    adapter = current_app.url_map.bind(
        "localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build(endpoint, values)


def _date(day):
    return f"{day.year}年{day.month}月{day.day}日"


def _message(kind, assignment, on, sender=None):
    title = assignment.course.title
    due = _date(assignment.due_on)
    if kind == DUE_SOON:
        days = (assignment.due_on - on).days
        left = "今天截止" if days == 0 else f"还剩 {days} 天"
        return (f"必修课程即将到期：《{title}》",
                f"请在 {due} 前完成必修课程《{title}》（{left}）。")
    if kind == OVERDUE:
        return (f"必修课程已逾期：《{title}》",
                f"必修课程《{title}》的截止日期是 {due}，您还没有完成，请尽快学习。")
    late = "已经逾期，请尽快完成" if assignment.due_on < on else f"请在 {due} 前完成"
    return (f"{sender.name}提醒您学习必修课程《{title}》", f"必修课程《{title}》{late}。")


def _insert_for(assignment, kind, *, on, now, scope_path=None, sender=None, repeat_after=None,
                only_once=False):
    """INSERT … SELECT one notification per member behind on `assignment`; returns the count."""
    completed = exists().where(CourseCompletion.user_id == User.id,
                               CourseCompletion.course_id == assignment.course_id)
    title, body = _message(kind, assignment, on, sender)
    key = literal(f"{kind}:{assignment.id}:{on.isoformat()}:", String) + cast(User.id, String)
    conditions = [audience.match_condition(assignment), ~completed,
                  ~exists().where(Notification.dedupe_key == key)]
    if scope_path:
        conditions.append(subtree_filter(MemberOrg.path, scope_path))
    if only_once or repeat_after is not None:
        earlier = [Notification.user_id == User.id, Notification.assignment_id == assignment.id,
                   Notification.kind == kind]
        if repeat_after is not None:
            earlier.append(Notification.created_at >= now - repeat_after)
        conditions.append(~exists().where(and_(*earlier)))
    source = select(
        User.id, literal(kind, String), literal(title, String), literal(body, String),
        literal(site_path("catalog.course", course_id=assignment.course_id), String),
        literal(assignment.id, Integer), literal(getattr(sender, "id", None), Integer),
        key, literal(now, DateTime)
    ).select_from(User).join(MemberOrg, MemberOrg.id == User.org_id).where(*conditions)
    columns = ["user_id", "kind", "title", "body", "link", "assignment_id", "sender_id",
               "dedupe_key", "created_at"]
    make_insert = _INSERTS.get(db.session.get_bind().dialect.name)
    if make_insert is not None:
        statement = make_insert(Notification).from_select(columns, source) \
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
    else:
        statement = insert(Notification).from_select(columns, source)
    # psycopg 3 forgets an INSERT's rowcount once the cursor closes: keep it.
    return db.session.execute(statement.execution_options(preserve_rowcount=True)).rowcount or 0


def generate_due_reminders(on=None, now=None):
    """Remind members of required courses due within 7 days, and (weekly) of overdue ones.

    Returns {"due_soon": n, "overdue": n}. The caller commits.
    """
    on = on or audience.today()
    now = now or utcnow()
    live = list(db.session.scalars(
        select(Assignment).join(Course, Course.id == Assignment.course_id)
        .where(Course.status == PUBLISHED, Assignment.starts_on <= on,
               Assignment.due_on <= on + timedelta(days=DUE_SOON_DAYS))
        .order_by(Assignment.id)).unique())
    counts = {DUE_SOON: 0, OVERDUE: 0}
    for assignment in live:
        if assignment.due_on >= on:
            counts[DUE_SOON] += _insert_for(assignment, DUE_SOON, on=on, now=now, only_once=True)
        else:
            counts[OVERDUE] += _insert_for(assignment, OVERDUE, on=on, now=now,
                                           repeat_after=timedelta(days=OVERDUE_REPEAT_DAYS))
    return counts


def remind_behind(actor, assignment=None, unit=None, on=None, now=None):
    """A lead's one-click reminder: everyone in their subtree not yet done gets a notification.

    `assignment` narrows it to one required course, `unit` to a unit inside the actor's
    subtree. At most one reminder per member × assignment × day. Returns the number
    of notifications written; the caller commits.
    """
    on = on or audience.today()
    now = now or utcnow()
    scope_path = reminder_scope(actor)
    if unit is not None:
        scope_path = unit.path
    if assignment is not None:
        targets = [assignment] if can_see_assignment(actor, assignment) else []
    else:
        targets = [a for a in db.session.scalars(
            select(Assignment).where(Assignment.starts_on <= on).order_by(Assignment.id))
            .unique() if can_see_assignment(actor, a)]
    targets = [a for a in targets if a.starts_on <= on and a.course.status == PUBLISHED]
    total = sum(_insert_for(a, LEAD_REMINDER, on=on, now=now, scope_path=scope_path,
                            sender=actor) for a in targets)
    where = unit.name if unit is not None else (actor.org.name if scope_path else "全部组织")
    what = f"《{assignment.course.title}》" if assignment is not None else "全部必修课程"
    audit("assignment.remind", assignment, f"提醒 {where} 未完成{what}的成员（{total} 条通知）",
          actor=actor, count=total, unit_id=getattr(unit, "id", None))
    return total


# ---- The inbox ----------------------------------------------------------------------------

def inbox_query(user):
    return select(Notification).where(Notification.user_id == user.id) \
        .order_by(Notification.created_at.desc(), Notification.id.desc())


def unread_count(user):
    if not (user and user.is_authenticated):
        return 0
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(user, notification):
    if notification.user_id != user.id:
        raise PermissionError("not your notification")
    if notification.read_at is None:
        notification.read_at = utcnow()


def mark_all_read(user):
    return db.session.execute(
        update(Notification).where(Notification.user_id == user.id,
                                   Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount


# ---- E-mail ----------------------------------------------------------------------------------

def mail_configured():
    return bool(current_app.config.get("MAIL_SERVER"))


def email_for(user):
    """The member's address: an `email` attribute if accounts ever gets one, else a
    username that is itself an e-mail address (rosters often use them)."""
    address = getattr(user, "email", None) or user.username
    return address if address and EMAIL_RE.match(address) else None


def _connect(config):
    host, port = config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25)
    timeout = float(config.get("MAIL_TIMEOUT") or 30)
    if config.get("MAIL_USE_SSL"):
        server = smtplib.SMTP_SSL(host, port, timeout=timeout)
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
        if config.get("MAIL_USE_TLS"):
            server.starttls()
    if config.get("MAIL_USERNAME"):
        server.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    return server


def _email(config, user, items):
    site = config.get("SITE_NAME", "党建慕课")
    base = (config.get("SITE_URL") or config.get("CERT_BASE_URL") or "").rstrip("/")
    message = EmailMessage()
    message["Subject"] = f"{site}：必修课程提醒" if len(items) > 1 else f"{site}：{items[0].title}"
    message["From"] = config.get("MAIL_DEFAULT_SENDER") or f"noreply@{config['MAIL_SERVER']}"
    message["To"] = email_for(user)
    lines = [f"{user.name}，您好：", ""]
    for item in items:
        lines.append(f"· {item.title}")
        lines.append(f"  {item.body}")
        if base and item.link:
            lines.append(f"  {base}{item.link}")
    lines += ["", f"登录{site}查看全部通知。"]
    message.set_content("\n".join(lines))
    return message


def send_pending_emails(now=None):
    """E-mail recent unsent notifications, one message per member; returns messages sent.

    Marks what was sent, so a retry never sends twice; members without an address are
    skipped (their notifications stay in-site only). The caller's transaction commits.
    """
    config = current_app.config
    if not mail_configured():
        return 0
    now = now or utcnow()
    pending = list(db.session.scalars(
        select(Notification).where(Notification.emailed_at.is_(None),
                                   Notification.created_at >= now - EMAIL_WINDOW)
        .order_by(Notification.user_id, Notification.id).limit(EMAIL_BATCH)))
    if not pending:
        return 0
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({n.user_id for n in pending}), User.active.is_(True)))}
    by_user = {}
    for item in pending:
        user = users.get(item.user_id)
        if user is not None and email_for(user):
            by_user.setdefault(user.id, []).append(item)
    if not by_user:
        return 0
    sent = 0
    server = _connect(config)
    try:
        for user_id, items in by_user.items():
            server.send_message(_email(config, users[user_id], items))
            for item in items:
                item.emailed_at = now
            sent += 1
            db.session.commit()  # what went out is recorded even if a later one fails
    finally:
        try:
            server.quit()
        except smtplib.SMTPException:
            pass
    return sent


def queue_emails():
    """Hand e-mailing to the worker (a no-op without SMTP)."""
    if mail_configured():
        jobs.enqueue("send_emails_task")
