"""Issue 15 item 4: rate limits hold exactly across worker processes.

Each "worker" below is a real Python process that builds its own app on the test's
database and the default embedded limit storage (an SQLite file): what one process
counted, the other sees.
"""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mooc.core import ratelimit_storage

ROOT = Path(__file__).resolve().parents[2]

WORKER = textwrap.dedent("""
    import json, sys, threading
    from config import TestingConfig
    from mooc import create_app

    db_uri, limit_uri, instance, mode, count = sys.argv[1:6]

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = db_uri
        RATELIMIT_STORAGE_URI = limit_uri
        INSTANCE_DIR = instance
        WTF_CSRF_ENABLED = False
        CERT_VERIFY_LIMIT = "10 per minute"

    app = create_app(Config)
    client = app.test_client()
    codes = []
    if mode == "login":
        for _ in range(int(count)):
            codes.append(client.post("/login", data={"username": "victim",
                                                     "password": "wrong-pass99"}).status_code)
    else:
        barrier_file = mode.split(":", 1)[1]
        import os, time
        while not os.path.exists(barrier_file):   # start together with the other process
            time.sleep(0.01)
        def look():
            codes.append(client.get("/verify?serial=ABCD-EFGH-JKLM").status_code)
        threads = [threading.Thread(target=look) for _ in range(int(count))]
        for t in threads: t.start()
        for t in threads: t.join()
    print(json.dumps(codes))
""")


def _worker(app, limit_uri, mode, count):
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, app.config["SQLALCHEMY_DATABASE_URI"], limit_uri,
         str(app.config["INSTANCE_DIR"]), mode, str(count)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def _codes(process):
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-2000:]
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture
def shared(app, tmp_path, pg_schema):
    if pg_schema is not None:
        pytest.skip("the worker processes read the SQLite test database")
    return ratelimit_storage.uri_for(tmp_path / "ratelimits.sqlite3")


def test_the_default_storage_is_shared_by_processes():
    from config import Config
    assert Config.RATELIMIT_STORAGE_URI.startswith(("mooc+sqlite://", "redis://")) \
        or "RATELIMIT_STORAGE_URI" in __import__("os").environ


def test_failed_sign_ins_are_counted_across_two_processes(app, make_user, shared):
    make_user(username="victim")          # LOGIN_LIMIT_PER_ACCOUNT: 5 per 10 minutes
    first = _codes(_worker(app, shared, "login", 3))
    second = _codes(_worker(app, shared, "login", 3))
    assert first == [200, 200, 200]
    assert second == [200, 200, 429]      # memory:// would have allowed 3 more here


def test_verify_limit_holds_exactly_under_concurrent_processes(app, shared, tmp_path):
    go = tmp_path / "go"
    workers = [_worker(app, shared, f"verify:{go}", 8) for _ in range(2)]
    go.touch()
    codes = _codes(workers[0]) + _codes(workers[1])
    assert len(codes) == 16
    assert sum(code != 429 for code in codes) == 10, codes   # CERT_VERIFY_LIMIT 10 per minute


def test_routes_without_a_limit_never_touch_the_storage(tmp_path, pg_schema):
    """Heartbeats, autosaves and pages have no limit: not one storage round-trip for them
    (the storage file is created by the first counter that is actually read)."""
    if pg_schema is not None:
        pytest.skip("builds its own SQLite app")
    from config import TestingConfig
    from mooc import create_app
    from mooc.extensions import db
    from tests.conftest import csrf_token

    limit_file = tmp_path / "rl.sqlite3"

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'own.sqlite3'}"
        RATELIMIT_STORAGE_URI = ratelimit_storage.uri_for(limit_file)
        INSTANCE_DIR = tmp_path / "instance"
        MEDIA_ROOT = tmp_path / "media"
        SEARCH_INDEX_DIR = tmp_path / "search_index"

    own = create_app(Config)
    with own.app_context():
        db.create_all()
        client = own.test_client()
        for path in ("/healthz/live", "/login", "/courses", "/verify"):
            client.get(path)
        client.post("/api/video/sessions/x/beats", json={})
        assert not limit_file.exists()
        client.post("/login", data={"username": "x", "password": "y",
                                    "csrf_token": csrf_token(client, "/login")})
        assert limit_file.exists()
        db.session.remove()
        db.engine.dispose()


def test_storage_counts_and_expires(tmp_path, monkeypatch):
    storage = ratelimit_storage.SQLiteStorage(ratelimit_storage.uri_for(tmp_path / "rl.sqlite3"))
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3 and storage.check()
    now = ratelimit_storage.time.time()
    monkeypatch.setattr(ratelimit_storage.time, "time", lambda: now + 61)
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1     # a fresh window
    storage.clear("k")
    assert storage.get("k") == 0


def test_doctor_flags_per_process_rate_limit_storage(app):
    from mooc.ops import doctor
    assert [f.level for f in doctor.check_rate_limits({"RATELIMIT_STORAGE_URI": "memory://"})] \
        == ["error"]
    assert doctor.check_rate_limits({"RATELIMIT_STORAGE_URI": "redis://r:6379/0"}) == []
    assert doctor.check_rate_limits(
        {"RATELIMIT_STORAGE_URI": ratelimit_storage.uri_for("/tmp/x.sqlite3")}) == []
