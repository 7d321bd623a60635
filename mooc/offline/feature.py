"""The installable web app: manifest, service worker, offline page, offline reading."""
from flask_login import current_user

from mooc.core.registry import mark_registered
from mooc.offline import cli, services, views


def register(app):
    mark_registered(app, "offline")
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.offline_group)

    @app.context_processor
    def offline_globals():
        # base.html includes offline/head.html only when this is defined.
        return {"pwa": {"user_key": services.user_cache_key(current_user),
                        "version": services.version(), "format": services.CACHE_FORMAT}}
