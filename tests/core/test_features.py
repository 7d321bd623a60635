"""Features plug in explicitly: each one's register(app) is the only place it adds to
the app, and importing a module adds nothing anywhere."""
import ast
import importlib
import pkgutil
from pathlib import Path

import mooc
from config import TestingConfig
from mooc import create_app
from mooc.core.registry import contributions

MOOC = Path(mooc.__file__).parent
# Calls that add to an app; they belong in a feature's register(app) only.
REGISTERING_CALLS = {("navigation", "register"), ("storage", "register_reference_check"),
                     ("health", "register"), ("jobs", "register_tasks"),
                     ("hooks", "register"), ("services", "register_provider"),
                     ("demo", "add_step"), ("lesson_kinds", "register")}


def all_module_names():
    for info in pkgutil.walk_packages([str(MOOC)], prefix="mooc."):
        if ".migrations" not in info.name and not info.name.endswith("build_font"):
            yield info.name


def subset_app(tmp_path, features):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'subset.sqlite3'}"
        MEDIA_ROOT = tmp_path / "media"
        SEARCH_INDEX_DIR = tmp_path / "search_index"
        INSTANCE_DIR = tmp_path / "instance"
    saved = list(mooc.FEATURES)
    mooc.FEATURES[:] = features
    try:
        return create_app(Config)
    finally:
        mooc.FEATURES[:] = saved


def test_every_feature_registers_once_in_the_listed_order(app):
    assert contributions(app).features == [name.rpartition(".")[2] for name in mooc.FEATURES]


def test_importing_every_module_registers_nothing_in_an_app_without_those_features(tmp_path):
    for name in all_module_names():
        importlib.import_module(name)
    app = subset_app(tmp_path, ["mooc.core", "mooc.accounts"])
    registered = contributions(app)
    assert registered.features == ["core", "accounts"]
    assert {item.endpoint.partition(".")[0] for item in registered.nav_items} \
        == {"core", "accounts_admin"}
    assert set(app.blueprints) == {"core", "accounts", "accounts_admin"}
    assert set(registered.health_checks) == {"database", "jobs"}
    assert not (registered.search_keys or registered.search_providers or registered.due_sources
                or registered.reference_checks or registered.demo_steps
                or registered.completion_listeners)
    assert "search" not in app.cli.commands and "courses" not in app.cli.commands


def test_two_apps_do_not_share_contributions(app, tmp_path):
    other = subset_app(tmp_path, ["mooc.core"])
    assert len(contributions(other).nav_items) == 2
    assert len(contributions(app).nav_items) > 2


def _calls_outside_register(path):
    tree = ast.parse(path.read_text())
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "register":
            inside.update(id(sub) for sub in ast.walk(node))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and (node.func.value.id, node.func.attr) in REGISTERING_CALLS
                and id(node) not in inside):
            yield f"{path.relative_to(MOOC.parent)}:{node.lineno}"


def test_registering_calls_stand_only_inside_register_functions():
    found = [hit for path in MOOC.rglob("*.py") if "migrations" not in path.parts
             for hit in _calls_outside_register(path)]
    assert found == []
