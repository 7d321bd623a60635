"""The organisation tree (党委 › 党总支 › 党支部 › 党小组): admin screens and a lead's overview."""
from flask_babel import lazy_gettext as _l

from mooc.core import navigation
from mooc.core.permissions import can_manage_org, can_view_dashboard
from mooc.core.registry import mark_registered
from mooc.org import cli, views


def register(app):
    mark_registered(app, "org")
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.org_group)
    navigation.register(app, _l("本组织"), "org.overview", can_view_dashboard, order=70)
    navigation.register(app, _l("组织管理"), "org.manage", can_manage_org, order=85)
