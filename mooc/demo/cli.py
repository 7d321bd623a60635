"""`flask --app mooc demo load`."""
import click
from flask.cli import with_appcontext

from mooc.demo import services


@click.group("demo")
def demo_group():
    """演示数据。"""


@demo_group.command("load")
@with_appcontext
def demo_load():
    """载入演示组织、账号和课程（可重复执行，不会重复创建）。"""
    for line in services.load():
        click.echo(line)
