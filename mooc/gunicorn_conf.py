"""gunicorn settings for `make run` and production (`gunicorn -c python:mooc.gunicorn_conf`).

Threaded workers: a few phones on slow links must not block everyone else (FIELD-NOTES:
sync workers let three slow downloads stall a poster request for 7 s).
"""
import gc
import os

from mooc.extensions import db
from mooc.search.analysis import init_jieba

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '5000')}")
workers = int(os.environ.get("WEB_WORKERS", 2))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", 8))
timeout = int(os.environ.get("WEB_TIMEOUT", 120))
graceful_timeout = 20
preload_app = True  # load jieba and the app once, share pages copy-on-write
accesslog = os.environ.get("ACCESS_LOG", "-")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 27 opens a control socket in ~/.gunicorn by default, shared by every server the
# same user runs (make run, the benchmark, the crash test): keep each one's own.
control_socket_disable = True


def pre_fork(server, worker):
    # Move everything the preloaded master holds (the app, jieba's dictionary) out of
    # the garbage collector's reach: its passes would otherwise write to those objects'
    # headers in every worker, copying shared pages (PSS per worker, issue 13).
    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    # Connections opened in the master must not be shared across processes.
    app = server.app.wsgi()
    with app.app_context():
        db.engine.dispose(close=False)


def on_starting(server):
    # Load jieba (≈1 s, ≈95 MB) once in the master, before the app is preloaded and
    # workers fork, so every worker shares it instead of paying on its first search.
    from config import Config
    Config.INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    init_jieba(str(Config.INSTANCE_DIR))
