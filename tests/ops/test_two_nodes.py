"""Two app nodes proven on this machine: two gunicorn instances sharing one PostgreSQL
database, one Redis, one media directory and one search index directory, with one nginx
upstream in front and two workers. Runs when TEST_DATABASE_URL and TEST_REDIS_URL are
set and nginx is installed; otherwise skips and says why."""
import io
import os
import re
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import create_engine, make_url, text

from config import database_url
from tests.ops import live

PG_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")
REDIS_DB = 13          # this test's own Redis database, flushed before and after
pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]
SCHEDULED = re.compile(r"定时任务已调度：(\S+) @ (\S+ \S+)")


@pytest.fixture
def services():
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL not set: two-node test skipped")
    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL not set: two-node test skipped")
    binary = live.need_nginx()
    import redis
    redis_url = urlsplit(REDIS_URL)._replace(path=f"/{REDIS_DB}").geturl()
    conn = redis.Redis.from_url(redis_url)
    conn.flushdb()
    admin = create_engine(database_url(PG_URL), isolation_level="AUTOCOMMIT")
    name = f"mooc_twonode_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield binary, make_url(database_url(PG_URL)).set(database=name).render_as_string(
            hide_password=False), redis_url
    finally:
        conn.flushdb()
        conn.close()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def png():
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def eventually(check, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return check()


def test_two_nodes_share_sessions_limits_media_search_and_schedules(tmp_path, services):
    started = time.time()
    binary, pg_url, redis_url = services
    site, info = live.seed(tmp_path, pg_url)
    env = {"DATABASE_URL": pg_url.replace("postgresql+psycopg://", "postgresql://"),
           "REDIS_URL": redis_url, "SESSION_COOKIE_SECURE": "0", "USE_X_ACCEL_REDIRECT": "0"}
    node_env = {n: live.app_env(tmp_path, INSTANCE_DIR=tmp_path / n / "instance",
                                ACCESS_LOG=tmp_path / f"{n}-access.log", **env)
                for n in ("a", "b")}
    with ExitStack() as stack:
        ports = {}
        for n in ("a", "b"):
            ports[n], server = live.gunicorn(node_env[n], tmp_path, name=f"web-{n}")
            stack.enter_context(server)
        for n in ("a", "b"):
            stack.enter_context(live.process(
                [str(live.GUNICORN.parent / "flask"), "--app", "mooc", "worker", "--workers", "1"],
                env=node_env[n], log=tmp_path / f"worker-{n}.log"))
        base, _, proxy = live.nginx(binary, tmp_path, site.config,
                                    [f"127.0.0.1:{ports['a']}", f"127.0.0.1:{ports['b']}"])
        stack.enter_context(proxy)
        node = {n: f"http://127.0.0.1:{ports[n]}" for n in ports}

        # A session made on node a is valid on node b (same secret, user rows in PostgreSQL).
        learner = live.Client(node["a"], "127.0.0.7")
        assert learner.login("learner", info["password"]).status == 200
        mine = learner.get(node["b"] + "/me/learning")
        assert mine.status == 200 and "/login" not in mine.url
        # Through nginx, requests alternate between the nodes and all stay signed in.
        through = live.Client(base, "127.0.0.8")
        assert through.login("learner", info["password"]).status == 200
        for _ in range(6):
            page = through.get("/me/learning")
            assert page.status == 200 and "/login" not in page.url
        for n in ("a", "b"):
            assert "/me/learning" in (tmp_path / f"{n}-access.log").read_text()

        # Rate limits live in Redis: three failed sign-ins spread over both nodes use up the
        # per-IP allowance (3 a minute here) on both.
        prober = live.Client(node["a"], "127.0.0.6")
        statuses = []
        for n in ("a", "a", "b", "b", "a"):
            token = live.CSRF_RE.search(prober.get(node[n] + "/login").text).group(1)
            statuses.append(prober.post(node[n] + "/login", data={
                "username": "nobody", "password": "wrong", "csrf_token": token}).status)
        assert statuses == [200, 200, 200, 429, 429], statuses

        # A file uploaded through node a is served by node b (shared MEDIA_ROOT).
        teacher = live.Client(node["a"], "127.0.0.9")
        assert teacher.login("teacher", info["password"]).status == 200
        edit = teacher.get(f"/author/courses/{info['course_id']}/edit").text
        token = (live.CSRF_RE.search(edit) or live.META_CSRF.search(edit)).group(1)
        image = png()
        uploaded = teacher.post_multipart(
            f"/author/courses/{info['course_id']}/images", {"csrf_token": token},
            {"file": ("党徽.png", image, "image/png")}, headers={"Accept": "application/json"})
        assert uploaded.status == 200, uploaded.text[:300]
        served = teacher.get(node["b"] + uploaded.json()["url"])
        assert served.status == 200 and served.body == image

        # A content change is indexed by a worker (one writer, holding the huey lock) into
        # the shared index directory, and both nodes find it.
        from mooc.extensions import db
        from tests.catalog_factories import make_course
        with site.app_context():
            make_course(title="两学一做专题学习", body="两学一做：学党章党规、学系列讲话，做合格党员。")
            db.session.remove()
            db.engine.dispose()
        for n in ("a", "b"):
            assert eventually(lambda: "两学一做" in re.sub(r"</?mark>", "", learner.get(
                node[n] + "/search?q=" + quote("两学一做")).text)), f"node {n} does not find it"

        # Scheduled jobs: both workers run the scheduler, each due minute is enqueued by one.
        assert eventually(lambda: _scheduled(tmp_path), timeout=15)
        lines = _scheduled(tmp_path)
        assert lines and max(Counter(lines).values()) == 1, Counter(lines)
    # ~25 s alone on 2 cores; the bound leaves room for a busy CI machine.
    assert time.time() - started < 120


def _scheduled(tmp_path):
    out = []
    for n in ("a", "b"):
        log = tmp_path / f"worker-{n}.log"
        if log.exists():
            out += SCHEDULED.findall(log.read_text(errors="replace"))
    return out
