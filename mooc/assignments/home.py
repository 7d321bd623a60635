"""The home page's 必修课程 panel: what is still to do, most urgent first."""
from mooc.assignments import services

SHOWN = 4


def required_panel(user):
    items = services.required_for(user)
    if not items:
        return None
    todo = [item for item in items if item.status != "completed"]
    return {"todo": todo[:SHOWN], "more": max(0, len(todo) - SHOWN),
            "done": len(items) - len(todo), "total": len(items)}
