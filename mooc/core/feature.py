"""The platform's own pages (home, /healthz, audit log, job status) and the worker."""
from flask_babel import lazy_gettext as _l

from mooc.core import cli, health, jobs, navigation, views
from mooc.core.permissions import can_view_audit_log, everyone
from mooc.core.registry import mark_registered


def register(app):
    mark_registered(app, "core")
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.worker_command)
    navigation.register(app, _l("首页"), "core.home", everyone, order=0)
    navigation.register(app, _l("操作日志"), "core.audit_log", can_view_audit_log, order=90)
    health.register(app, "database", health.check_database)
    health.register(app, "jobs", jobs.queue_state)
