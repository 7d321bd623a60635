"""党建慕课: the application factory.

Blueprints and CLI groups are registered from explicit lists below, so what the
app serves can be read in one place.
"""
import importlib
from pathlib import Path

from flask import Flask

from config import BASE_DIR, config_from_env

# (module, blueprint attribute) — order matters only for template overrides.
BLUEPRINTS = [
    "mooc.core.views",
    "mooc.accounts.views",
    "mooc.accounts.admin_views",
    "mooc.org.views",
    "mooc.search.views",
    "mooc.catalog.views",
    "mooc.catalog.authoring_views",
    "mooc.catalog.admin_views",
    "mooc.quizzes.views",
    "mooc.quizzes.api",
    "mooc.quizzes.bank_views",
    "mooc.quizzes.settings_views",
    "mooc.video.views",
    "mooc.video.api",
    "mooc.progress.views",
    "mooc.certificates.views",
    "mooc.assignments.views",
    "mooc.dashboard.views",
    "mooc.dashboard.instructor_views",
]
CLI_GROUPS = [
    "mooc.core.cli",
    "mooc.accounts.cli",
    "mooc.org.cli",
    "mooc.search.cli",
    "mooc.catalog.cli",
    "mooc.quizzes.cli",
    "mooc.video.cli",
    "mooc.progress.cli",
    "mooc.certificates.cli",
    "mooc.assignments.cli",
    "mooc.dashboard.cli",
]


def create_app(config_class=None):
    config_class = config_class or config_from_env()
    if hasattr(config_class, "check"):
        config_class.check()
    app = Flask(__name__, template_folder=str(BASE_DIR / "templates"),
                instance_path=str(Path(config_class.INSTANCE_DIR).resolve()))
    app.config.from_object(config_class)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES",
                          str(Path(__file__).parent / "translations"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from mooc.core import setup
    setup.init_extensions(app)
    for module_name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(module_name).bp)
    for module_name in CLI_GROUPS:
        for command in importlib.import_module(module_name).COMMANDS:
            app.cli.add_command(command)
    # Every feature that stores files names its reference check, so garbage
    # collection can refuse to run when one is missing.
    from mooc.catalog import media as catalog_media
    from mooc.certificates import services as certificate_services
    from mooc.video import services as video_services
    from mooc.video import tasks as video_tasks
    for feature in (catalog_media, video_services, certificate_services):
        feature.register_storage(app)
    video_tasks.register_tasks(app)  # video services enqueue transcoding by job kind
    setup.init_request_hooks(app)
    return app
