"""`flask --app mooc worker`: the background job consumer (huey)."""
import click
from flask import current_app
from flask.cli import with_appcontext

from mooc.core import jobs
from mooc.core.registry import contributions


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="并发线程数")
@with_appcontext
def worker_command(workers):
    """启动后台任务处理进程（huey consumer）。"""
    app = current_app._get_current_object()
    jobs.set_worker_app(app)
    jobs.huey.immediate = False
    for start in contributions(app).worker_startup:
        start(app)  # e.g. the search feature's single index writer
    consumer = jobs.huey.create_consumer(workers=workers, worker_type="thread",
                                         periodic=True, check_worker_health=True)
    click.echo(f"后台任务处理已启动：{type(jobs.huey).__name__}, {workers} 个线程")
    consumer.run()
