"""党建慕课: the application factory.

Every feature is a package with a ``feature`` module whose ``register(app)`` names
everything it contributes: blueprints, CLI groups, menu entries, storage reference
checks, due-date sources, search providers, health checks, background tasks, demo
steps. `create_app` calls them from the one ordered list below, so what the app
serves can be read in one place; importing a module registers nothing.
"""
import importlib
from pathlib import Path

from flask import Flask

from config import BASE_DIR, config_from_env

# Order: a feature comes after those whose contributions it extends (demo steps run in
# this order; blueprint order matters only for template overrides).
FEATURES = [
    "mooc.core",
    "mooc.accounts",
    "mooc.org",
    "mooc.demo",
    "mooc.search",
    "mooc.catalog",
    "mooc.quizzes",
    "mooc.video",
    "mooc.progress",
    "mooc.certificates",
    "mooc.assignments",
    "mooc.members",
    "mooc.dashboard",
    "mooc.ops",
    "mooc.offline",
]


def import_features():
    """Import every feature module (and so every model) without building an app."""
    return [importlib.import_module(f"{package}.feature") for package in FEATURES]


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

    # Imported here, not at the top: `import mooc.x` must not pull in every feature.
    from mooc.core import setup
    setup.init_extensions(app)
    for feature in import_features():
        feature.register(app)
    setup.init_request_hooks(app)
    return app
