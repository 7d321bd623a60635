"""Reminders: idempotent per member × assignment × kind × day, the lead's one-click
reminder, the inbox, and e-mail through a fake SMTP server."""
import smtplib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mooc.assignments import audience, notifications, tasks
from mooc.assignments.models import Notification
from mooc.core.models import AuditEvent, utcnow
from mooc.extensions import db
from mooc.progress.models import CourseCompletion
from tests.assignments.factories import make_assignment
from tests.catalog_factories import make_course
from tests.conftest import csrf_token, login


@pytest.fixture
def world(make_org, make_user):
    committee = make_org("党委", "committee")
    g1 = make_org("第一党总支", "general_branch", committee)
    g2 = make_org("第二党总支", "general_branch", committee)
    b11 = make_org("第一党支部", "branch", g1)
    lead = make_user(role="branch_lead", org=g1, name="王书记")
    members = {
        "a": make_user(org=b11, username="a@example.com"),
        "b": make_user(org=g1),
        "done": make_user(org=b11),
        "other": make_user(org=g2, username="other@example.com"),
        "inactive": make_user(org=b11),
    }
    members["inactive"].active = False
    db.session.commit()
    return {"g1": g1, "g2": g2, "b11": b11, "lead": lead, **members}


def count(kind=None, user=None):
    query = select(func.count(Notification.id))
    if kind:
        query = query.where(Notification.kind == kind)
    if user:
        query = query.where(Notification.user_id == user.id)
    return db.session.scalar(query)


def complete(user, course):
    db.session.add(CourseCompletion(user_id=user.id, course_id=course.id, completed_at=utcnow(),
                                    year=audience.today().year, hours=1.0))
    db.session.commit()


def test_due_soon_reminders_are_written_once(world):
    course = make_course("党章学习")
    make_assignment(course, None, due_in=5)
    complete(world["done"], course)
    today = audience.today()
    counts = notifications.generate_due_reminders(on=today)
    db.session.commit()
    reminded = set(db.session.scalars(select(Notification.user_id)))
    assert reminded == {world[k].id for k in ("a", "b", "other")} | {world["lead"].id}
    assert counts == {"due_soon": 4, "overdue": 0}
    note = db.session.scalar(select(Notification).where(Notification.user_id == world["a"].id))
    assert "党章学习" in note.title and "还剩 5 天" in note.body
    assert note.link == f"/courses/{course.id}"
    # The same day again, and the following days: nothing new ("due soon" is said once).
    for offset in (0, 1, 2):
        assert notifications.generate_due_reminders(on=today + timedelta(days=offset)) == \
            {"due_soon": 0, "overdue": 0}
        db.session.commit()
    assert count() == 4


def test_far_deadlines_and_unstarted_assignments_are_quiet(world):
    make_assignment(make_course(), None, due_in=30)
    make_assignment(make_course(), None, starts_in=2, due_in=4)
    assert notifications.generate_due_reminders() == {"due_soon": 0, "overdue": 0}


def test_overdue_reminders_repeat_weekly_not_daily(world):
    course = make_course()
    make_assignment(course, world["g1"], starts_in=-30, due_in=-1)
    today = audience.today()
    first = notifications.generate_due_reminders(on=today)["overdue"]
    db.session.commit()
    assert first == 4  # a, b, done and the lead; not g2's member, not the inactive one
    for day in range(1, 7):
        assert notifications.generate_due_reminders(
            on=today + timedelta(days=day), now=utcnow() + timedelta(days=day))["overdue"] == 0
        db.session.commit()
    later = notifications.generate_due_reminders(on=today + timedelta(days=7),
                                                 now=utcnow() + timedelta(days=7, hours=1))
    db.session.commit()
    assert later["overdue"] == 4
    complete(world["a"], course)
    again = notifications.generate_due_reminders(on=today + timedelta(days=14),
                                                 now=utcnow() + timedelta(days=14, hours=1))
    assert again["overdue"] == 3


def test_the_periodic_task_runs_the_same_code(world):
    make_assignment(make_course(), world["g1"], due_in=2)
    assert tasks.run_reminders() == {"due_soon": 4, "overdue": 0}
    assert tasks.run_reminders() == {"due_soon": 0, "overdue": 0}


def test_lead_reminder_reaches_only_their_subtree_once_a_day(world):
    course = make_course("廉政教育")
    make_assignment(course, None, due_in=20)   # site-wide, made by an admin
    complete(world["done"], course)
    written = notifications.remind_behind(world["lead"])
    db.session.commit()
    assert written == 3  # a, b and the lead themselves; never g2's member
    recipients = set(db.session.scalars(select(Notification.user_id)))
    assert world["other"].id not in recipients and world["done"].id not in recipients
    note = db.session.scalar(select(Notification).where(Notification.user_id == world["a"].id))
    assert note.kind == "lead_reminder" and note.sender_id == world["lead"].id
    assert "王书记提醒您" in note.title
    assert notifications.remind_behind(world["lead"]) == 0  # pressed twice: no duplicates
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.remind")
                              .order_by(AuditEvent.id))
    assert event.actor_id == world["lead"].id and event.details["count"] == 3


def test_lead_reminder_from_the_web(world, client):
    course = make_course()
    assignment = make_assignment(course, world["g1"], due_in=20)
    login(client, world["lead"].username)
    token = csrf_token(client, "/assignments/")
    response = client.post("/assignments/remind", data={"csrf_token": token,
                                                        "unit": str(world["g2"].id)})
    assert response.status_code == 302
    assert count() == 4  # the g2 unit was ignored: the lead's own subtree was reminded
    response = client.post(f"/assignments/{assignment.id}/remind",
                           data={"csrf_token": token, "unit": str(world["b11"].id)},
                           follow_redirects=True)
    assert "没有需要提醒的成员" in response.get_data(as_text=True)  # already reminded today
    assert client.get("/assignments/remind").status_code == 405  # never on GET


def test_learner_cannot_remind(world, client):
    make_assignment(make_course(), world["g1"])
    login(client, world["a"].username)
    token = csrf_token(client, "/assignments/")
    assert client.post("/assignments/remind", data={"csrf_token": token}).status_code == 403
    assert count() == 0


def test_inbox_and_mark_as_read(world, client):
    make_assignment(make_course("党史"), world["g1"], due_in=3)
    notifications.generate_due_reminders()
    db.session.commit()
    mine = db.session.scalar(select(Notification).where(Notification.user_id == world["a"].id))
    theirs = db.session.scalar(select(Notification).where(Notification.user_id == world["b"].id))
    login(client, world["a"].username)
    page = client.get("/notifications").get_data(as_text=True)
    assert "党史" in page and "未读" in page
    assert "1 条未读" in client.get("/assignments/").get_data(as_text=True)  # the menu's bell
    token = csrf_token(client, "/notifications")
    assert client.post(f"/notifications/{theirs.id}/read",
                       data={"csrf_token": token}).status_code == 404
    response = client.post(f"/notifications/{mine.id}/read",
                           data={"csrf_token": token, "open": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(mine.link)
    db.session.expire_all()
    assert db.session.get(Notification, mine.id).read_at is not None
    assert db.session.get(Notification, theirs.id).read_at is None
    assert client.post("/notifications/read-all", data={"csrf_token": token}).status_code == 302
    assert client.post(f"/notifications/{mine.id}/read", data={}).status_code == 400


class FakeSMTP:
    sent, logins, instances = [], [], 0

    def __init__(self, host, port, timeout=None):
        FakeSMTP.instances += 1
        self.host, self.port = host, port

    def starttls(self):
        pass

    def login(self, user, password):
        FakeSMTP.logins.append((user, password))

    def send_message(self, message):
        FakeSMTP.sent.append(message)

    def quit(self):
        pass


@pytest.fixture
def fake_smtp(monkeypatch):
    FakeSMTP.sent, FakeSMTP.logins, FakeSMTP.instances = [], [], 0
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


def test_email_reminders_when_smtp_is_configured(world, app, fake_smtp):
    app.config.update(MAIL_SERVER="smtp.example.com", MAIL_PORT=587, MAIL_USE_TLS=True,
                      MAIL_USERNAME="robot", MAIL_PASSWORD="secret",
                      MAIL_DEFAULT_SENDER="dangjian@example.com",
                      SITE_URL="https://dangjian.example.com")
    course = make_course("纪律教育")
    make_assignment(course, None, due_in=4)
    tasks.run_reminders()  # writes the notifications, then the (immediate) e-mail task
    addresses = sorted(m["To"] for m in fake_smtp.sent)
    assert addresses == ["a@example.com", "other@example.com"]  # only addressable members
    message = next(m for m in fake_smtp.sent if m["To"] == "a@example.com")
    assert "纪律教育" in message["Subject"]
    assert f"https://dangjian.example.com/courses/{course.id}" in message.get_content()
    assert fake_smtp.logins == [("robot", "secret")]
    assert message["From"] == "dangjian@example.com"
    # Sent ones are marked; a second run sends nothing more.
    assert notifications.send_pending_emails() == 0
    assert len(fake_smtp.sent) == 2


def test_no_smtp_means_no_email(world, app, fake_smtp):
    app.config["MAIL_SERVER"] = ""
    make_assignment(make_course(), None, due_in=4)
    tasks.run_reminders()
    assert fake_smtp.instances == 0 and fake_smtp.sent == []
    assert count() > 0  # the in-site notifications are still there
