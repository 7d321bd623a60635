"""Dashboards: a lead's subtree completion, member table, exports; instructors' course data."""
from flask_babel import lazy_gettext as _l

from mooc.core import home as home_page, jobs, navigation
from mooc.core.permissions import can_author_courses, can_view_dashboard
from mooc.core.registry import mark_registered
from mooc.dashboard import cli, home, instructor_views, tasks, views


def register(app):
    mark_registered(app, "dashboard")
    app.register_blueprint(views.bp)
    app.register_blueprint(instructor_views.bp)
    app.cli.add_command(cli.dashboard_group)
    navigation.register(app, _l("学习统计"), "dashboard.index", can_view_dashboard, order=72)
    navigation.register(app, _l("课程数据"), "course_stats.courses", can_author_courses, order=76,
                        group="teach")
    jobs.register_tasks(app, tasks)
    home_page.register(app, "branch", "dashboard/_home.html", home.branch_panel,
                       home.is_branch_lead, order=1)
