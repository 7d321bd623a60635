"""Binding extensions and request-wide behaviour to an app (called by create_app)."""
from pathlib import Path

from flask import abort, current_app, has_request_context, request, session
from werkzeug.routing import IntegerConverter
from flask_babel import format_datetime, get_locale
from flask_login import current_user

from mooc.core import bodylimits, database, errors, fastpath, headers, jobs, lightweight
from mooc.core import navigation, registry
from mooc.core import ratelimit_storage  # noqa: F401  (defines the mooc+sqlite:// limits storage)
from mooc.extensions import babel, csrf, db, limiter, login_manager, migrate




def select_locale():
    languages = list(_app_languages())
    if not has_request_context():
        return "zh"  # CLI and background jobs speak Chinese
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or "zh"


def _app_languages():
    return current_app.config["LANGUAGES"].keys()


class BoundedIntConverter(IntegerConverter):
    """<int:…> that answers 404 for ids no database column can hold (instead of a 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2 ** 63 - 1)
        super().__init__(map, *args, **kwargs)


def init_extensions(app):
    app.url_map.converters["int"] = BoundedIntConverter
    app.request_class = bodylimits.LimitedRequest
    # Innermost: ProxyFix (ops) wraps it, so the fast path sees the client's address.
    app.wsgi_app = fastpath.Middleware(app, app.wsgi_app)
    registry.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path) / "migrations"),
                     render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    # The hot APIs carry no Flask-Limiter limit (they bound themselves: sequence
    # numbers, the server's clock); skip even looking for one.
    if lightweight.wanted not in limiter._request_filters:   # one Limiter, many test apps
        limiter.request_filter(lightweight.wanted)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None  # the login page explains itself
    login_manager.session_protection = "basic"
    with app.app_context():
        database.tune_sqlite(db.engine)
    jobs.configure(app)


def init_request_hooks(app):
    errors.register(app)

    @app.before_request
    def reject_nameless_form_fields():
        # A multipart part without a name parses to a None key, which WTForms cannot
        # handle (a 500 deep inside FieldList). No browser sends one: refuse it up front.
        if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            keys = list(request.form.keys()) + list(request.files.keys())
            if any(not isinstance(key, str) for key in keys):
                abort(400)

    @app.after_request
    def security_headers(response):
        for name, value in headers.for_app(app):
            response.headers.setdefault(name, value)
        if request.endpoint != "static" and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store" if current_user.is_authenticated \
                else "no-cache"
        return response

    @app.context_processor
    def template_globals():
        return {"nav_items": navigation.items_for(current_user),
                "nav_groups": navigation.groups_for(current_user),
                "large_text": bool(getattr(current_user, "large_text", False)
                                   or session.get("large_text")),
                "site_name": app.config["SITE_NAME"],
                "languages": app.config["LANGUAGES"],
                "current_locale": str(get_locale() or "zh")}

    @app.template_filter("datetime")
    def datetime_filter(value, fmt="yyyy-MM-dd HH:mm"):
        # Stored as naive UTC; Flask-Babel shows it in the configured time zone.
        return format_datetime(value, fmt) if value else ""
