"""Progress: 我的学习, course completion, study hours (学时) and their requirements."""
from flask_babel import lazy_gettext as _l

from mooc.core import home as home_page, navigation
from mooc.core.permissions import everyone
from mooc.core.registry import mark_registered
from mooc.progress import cli, home, views
from mooc.progress.permissions import can_set_requirements


def register(app):
    mark_registered(app, "progress")
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.progress_group)
    navigation.register(app, _l("我的学习"), "progress.my_learning", everyone, order=5)
    navigation.register(app, _l("学时要求"), "progress.requirements", can_set_requirements,
                        order=87)
    home_page.register(app, "progress", "progress/_home.html", home.learning_panel, everyone,
                       order=10)
