"""Migrations, PostgreSQL and Redis: the scale-out path runs the same code.

PostgreSQL tests run when TEST_DATABASE_URL is set, Redis tests when TEST_REDIS_URL
is set (`.ci/run` sets both when the local services answer); otherwise they skip
and say why.
"""
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from config import TestingConfig, database_url
from mooc import create_app
from mooc.extensions import db

PG_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")
needs_pg = pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL not set: PostgreSQL tests skipped")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL not set: Redis tests skipped")


def _app_for(url, tmp_path):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        INSTANCE_DIR = tmp_path / "instance"
        MEDIA_ROOT = tmp_path / "media"
        SEARCH_INDEX_DIR = tmp_path / "search_index"
    return create_app(Config)


def _assert_migrations_match_models(app):
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


def test_migrations_build_the_models_schema_on_sqlite(tmp_path):
    _assert_migrations_match_models(_app_for(f"sqlite:///{tmp_path / 'm.sqlite3'}", tmp_path))


def test_sqlite_connections_are_tuned(app, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PRAGMAs are SQLite's; this run uses MOOC_TEST_DB=postgres")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


@pytest.fixture
def pg_schema_url():
    """A throwaway schema in the test database, so parallel runs never collide."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    base = database_url(PG_URL)
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@needs_pg
def test_migrations_build_the_models_schema_on_postgres(pg_schema_url, tmp_path):
    _assert_migrations_match_models(_app_for(pg_schema_url, tmp_path))


@needs_pg
def test_org_tree_and_login_on_postgres(pg_schema_url, tmp_path):
    from mooc.demo import services as demo
    from mooc.org import services
    from mooc.org.models import Organisation
    from tests.conftest import RequestScopedClient, login
    app = _app_for(pg_schema_url, tmp_path)
    app.test_client_class = RequestScopedClient
    with app.app_context():
        upgrade()
        demo.load()
        general = db.session.scalar(db.select(Organisation).where(Organisation.name == "第一党总支"))
        names = {o.name for o in db.session.scalars(services.subtree_query(general))}
        assert names == {"第一党总支", "第一党支部", "第二党支部", "第一党小组", "第二党小组"}
        other = db.session.scalar(db.select(Organisation).where(Organisation.name == "第二党总支"))
        branch = db.session.scalar(db.select(Organisation).where(Organisation.name == "第一党支部"))
        services.move_org(branch, other)   # a 党支部 may move between 党总支s (issue 16 rules)
        db.session.commit()
        moved = db.session.scalar(db.select(Organisation).where(Organisation.name == "第一党小组"))
        assert moved.path.startswith(other.path) and moved.depth == 3
        client = app.test_client()
        assert login(client, "lead", demo.DEMO_PASSWORD).status_code == 302
        assert client.get("/healthz").get_json()["database"]["backend"] == "postgresql"
        db.session.remove()
        db.engine.dispose()


@needs_redis
def test_jobs_run_through_redis():
    """huey's Redis storage: enqueue in one place, dequeue and execute as a worker would."""
    from huey import RedisHuey
    queue = RedisHuey(f"mooc-test-{uuid.uuid4().hex[:8]}", url=REDIS_URL)

    @queue.task()
    def add(a, b):
        return a + b

    try:
        result = add(2, 3)
        assert queue.pending_count() == 1
        task = queue.dequeue()
        queue.execute(task)
        assert result.get() == 5
    finally:
        queue.flush()


def test_jobs_report_progress_to_their_owner(app, client, login_as, db):
    from mooc.core import jobs
    from mooc.core.models import BackgroundJob

    @jobs.task()
    def count_to(job_id, n):
        for i in range(n):
            jobs.update_job(job_id, status="running", progress=(i + 1) / n)
        jobs.update_job(job_id, status="done", message="完成")

    user = login_as()
    job = jobs.start_job("count", count_to, 4, owner=user)
    job_id = job.id
    data = client.get(f"/jobs/{job_id}?format=json").get_json()
    assert data["status"] == "done" and data["progress"] == 1.0
    assert db.session.get(BackgroundJob, job_id).message == "完成"
