"""Accounts: sign-in, the user loader, self-service pages, user admin and roster import."""
from flask_babel import lazy_gettext as _l
from flask_login import user_loaded_from_cookie

from mooc.accounts import admin_views, cli, fastsession, first_password, loading, views
from mooc.core import fastpath, navigation
from mooc.core.permissions import can_manage_users
from mooc.core.registry import mark_registered
from mooc.extensions import login_manager


def register(app):
    mark_registered(app, "accounts")
    login_manager.user_loader(loading.load_user)
    fastpath.set_session_user(app, fastsession.session_user(app))
    app.register_blueprint(views.bp)
    app.before_request(first_password.enforce)
    user_loaded_from_cookie.connect(first_password.on_cookie_login)
    app.register_blueprint(admin_views.bp)
    app.cli.add_command(cli.users_group)
    navigation.register(app, _l("用户管理"), "accounts_admin.users", can_manage_users, order=80)
