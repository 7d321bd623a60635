"""`flask --app mooc assignments list|remind` — required courses from a shell."""
import click
from flask.cli import with_appcontext

from mooc.assignments.audience import today
from mooc.assignments.models import Assignment
from mooc.assignments.services import create_assignment, describe, published_courses
from mooc.assignments.tasks import run_reminders
from mooc.extensions import db
from mooc.org.models import Organisation


@click.group("assignments")
def assignments_group():
    """必修课程。"""


@assignments_group.command("list")
@with_appcontext
def list_command():
    """列出全部必修安排。"""
    from sqlalchemy import select
    for a in db.session.scalars(select(Assignment).order_by(Assignment.due_on)).unique():
        click.echo(f"#{a.id}\t{a.course.title}\t{describe(a)}\t{a.starts_on} – {a.due_on}")


@assignments_group.command("remind")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="按这一天计算（默认今天）")
@with_appcontext
def remind_command(on):
    """立即生成到期和逾期提醒（每人每项每天最多一条，可重复执行）。"""
    day = on.date() if on else None
    counts = run_reminders(on=day)
    click.echo(f"即将到期提醒 {counts['due_soon']} 条，逾期提醒 {counts['overdue']} 条。")


def demo_assignments():
    """Demo data: make the first demo course required for 第一党总支 (a `demo load` step)."""
    from datetime import timedelta

    from sqlalchemy import select
    courses = published_courses()
    unit = db.session.scalar(select(Organisation).where(Organisation.name == "第一党总支"))
    if not courses or unit is None:
        return []
    if db.session.scalar(select(Assignment.id).limit(1)) is not None:
        return ["必修安排：已存在"]
    now = today()
    create_assignment(None, course=courses[0], org=unit, starts_on=now - timedelta(days=14),
                      due_on=now + timedelta(days=5))
    db.session.commit()
    return [f"必修安排：《{courses[0].title}》面向第一党总支，{now + timedelta(days=5)} 截止"]

