"""The home page's panel for branch leads: their branch's completion at a glance (the
dashboard overview's totals, a fixed number of queries)."""
from mooc.core.roles import BRANCH_LEAD
from mooc.dashboard.overview import overview, percent_text


def is_branch_lead(user):
    return bool(user and user.is_authenticated and user.role == BRANCH_LEAD)


def branch_panel(user):
    data = overview(user)
    total = data.total
    return {"name": total.name, "members": total.members, "met": total.met,
            "rate": percent_text(total.completion_rate), "overdue": total.overdue,
            "average_hours": round(total.average_hours, 1),
            "children": [(u.name, percent_text(u.completion_rate)) for u in data.children[:6]]}
