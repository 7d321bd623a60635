"""Search: the Whoosh index of published courses, lessons and attachments, its outbox
hooks, the single indexer in the worker, and the search page."""
from mooc.core import health, jobs
from mooc.core.registry import contributions, mark_registered
from mooc.search import analysis, cli, hooks, providers, services, tasks, views


def start_indexer(app):
    analysis.init_jieba(app.instance_path)
    tasks.start_indexer_thread(app)  # the single search-index writer


def register(app):
    mark_registered(app, "search")
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.search_group)
    providers.register(app)
    hooks.install()
    for model, keys_for in hooks.CATALOG_KEYS.items():
        hooks.register(app, model, keys_for)
    health.register(app, "search", services.index_state)
    jobs.register_tasks(app, tasks)
    contributions(app).worker_startup.append(start_indexer)
