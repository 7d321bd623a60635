"""Members: scoped member management for branch leads and 组织委员, transfers, category
history, password resets and the self-service 忘记密码 page."""
from flask_babel import lazy_gettext as _l

from mooc.accounts import cli as accounts_cli
from mooc.core import jobs, navigation
from mooc.core.registry import mark_registered
from mooc.members import (audit_views, cli, password_views, roster_views, tasks,
                          transfer_views, views)
from mooc.members.permissions import can_manage_members, is_scoped_manager


def register(app):
    mark_registered(app, "members")
    for module in (views, transfer_views, roster_views, password_views, audit_views):
        app.register_blueprint(module.bp)
    cli.add_to(accounts_cli.users_group)  # `flask users list --as …` etc.
    jobs.register_tasks(app, tasks)
    # Leads' own entry; admins also use it for e-mail, Party dates, category steps and
    # transfers (用户管理, order 80, stays theirs for roles).
    navigation.register(app, _l("成员管理"), "members.index", can_manage_members, order=78)
    navigation.register(app, _l("组织关系转接"), "member_transfers.index", can_manage_members,
                        order=79)
    # Admins keep the full 操作日志 (core); leads get their subtree's.
    navigation.register(app, _l("成员操作日志"), "member_audit.index", is_scoped_manager,
                        order=89)
