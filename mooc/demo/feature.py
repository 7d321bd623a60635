"""Demo data (`make run`): the CLI; other features add their steps."""
from mooc.core.registry import mark_registered
from mooc.demo import cli


def register(app):
    mark_registered(app, "demo")
    app.cli.add_command(cli.demo_group)
