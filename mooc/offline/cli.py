"""`flask --app mooc offline icons`: draw the home-screen icons again."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from mooc.offline.icons import write_icons


@click.group("offline")
def offline_group():
    """可安装的网页应用（离线阅读）。"""


@offline_group.command("icons")
@with_appcontext
def icons_command():
    """重新生成主屏幕图标（static/icons/icon-*.png）。"""
    for path in write_icons(Path(current_app.static_folder) / "icons"):
        click.echo(str(path))
