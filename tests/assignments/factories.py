"""Assignments made through the real service (audited), with sensible defaults."""
from datetime import timedelta

from mooc.assignments import audience, services
from mooc.extensions import db


def make_assignment(course, org=None, categories=(), *, actor=None, starts_in=-7, due_in=14):
    today = audience.today()
    assignment = services.create_assignment(
        actor, course=course, org=org, categories=list(categories),
        starts_on=today + timedelta(days=starts_in), due_on=today + timedelta(days=due_in))
    db.session.commit()
    return assignment
