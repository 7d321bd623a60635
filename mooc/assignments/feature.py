"""Required courses: assignments by subtree and category, due dates, reminders, 通知."""
from flask_babel import lazy_gettext as _l

from mooc.assignments import cli, home, services, tasks, views
from mooc.core import home as home_page, jobs, navigation
from mooc.core.permissions import everyone
from mooc.core.registry import contributions, mark_registered
from mooc.demo import services as demo


def register(app):
    mark_registered(app, "assignments")
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.assignments_group)
    navigation.register(app, _l("必修课程"), "assignments.index", everyone, order=12)
    contributions(app).due_sources.append(services.due_items)
    demo.add_step(app, cli.demo_assignments)
    jobs.register_tasks(app, tasks)
    home_page.register(app, "assignments", "assignments/_home.html", home.required_panel,
                       everyone, order=20)
