"""Certificates: issued on completion, PDF rendered in the background, public /verify."""
from flask_babel import lazy_gettext as _l

from mooc.certificates import cli, tasks, views
from mooc.core import jobs, navigation
from mooc.core.registry import mark_registered


def register(app):
    mark_registered(app, "certificates")
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.certificates_group)
    navigation.register(app, _l("证书管理"), "certificates.admin_list",
                        views.can_manage_certificates, order=86)
    jobs.register_tasks(app, tasks)
