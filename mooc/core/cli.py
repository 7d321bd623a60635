"""`flask --app mooc worker` and `flask --app mooc demo load`."""
import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="并发线程数")
@with_appcontext
def worker_command(workers):
    """启动后台任务处理进程（huey consumer）。"""
    from mooc.core import jobs
    from mooc.search.tasks import start_indexer_thread
    app = current_app._get_current_object()
    jobs.set_worker_app(app)
    jobs.huey.immediate = False
    from mooc.search.analysis import init_jieba
    init_jieba(app.instance_path)
    start_indexer_thread(app)  # the single search-index writer
    consumer = jobs.huey.create_consumer(workers=workers, worker_type="thread",
                                         periodic=True, check_worker_health=True)
    click.echo(f"后台任务处理已启动：{type(jobs.huey).__name__}, {workers} 个线程")
    consumer.run()


@click.group("demo")
def demo_group():
    """演示数据。"""


@demo_group.command("load")
@with_appcontext
def demo_load():
    """载入演示组织、账号和课程（可重复执行，不会重复创建）。"""
    from mooc.core import demo
    summary = demo.load()
    for line in summary:
        click.echo(line)


COMMANDS = [worker_command, demo_group]
