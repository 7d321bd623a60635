"""Backups that restore: a snapshot of a site with a certificate, a video and a search
index, restored into a fresh instance; incremental media; refusals and checksums.
On SQLite always, on PostgreSQL when TEST_DATABASE_URL is set (scratch databases)."""
import json
import os
import uuid

import pytest
from sqlalchemy import create_engine, make_url, text

from config import TestingConfig, database_url
from mooc import create_app
from mooc.certificates.models import Certificate
from mooc.extensions import db
from mooc.ops import backup, restore
from mooc.search import services as search
from tests import factories
from tests.catalog_factories import make_course, make_lesson
from tests.conftest import RequestScopedClient, login
from tests.progress.test_completion import complete_course
from tests.video.test_video_media import BODY, ready_video, url_for_user

PG_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(autouse=True)
def no_heartbeat():  # overrides tests/ops/conftest.py: these tests build their own apps
    yield


@pytest.fixture
def databases(request, tmp_path):
    """make() → a fresh, empty database URL of the backend under test."""
    if request.param == "sqlite":
        yield lambda name: f"sqlite:///{tmp_path / name}.sqlite3"
        return
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL not set: PostgreSQL backup test skipped")
    admin = create_engine(database_url(PG_URL), isolation_level="AUTOCOMMIT")
    created = []

    def make(name):
        dbname = f"mooc_backup_{name}_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{dbname}"'))
        created.append(dbname)
        return make_url(database_url(PG_URL)).set(database=dbname).render_as_string(
            hide_password=False)
    yield make
    with admin.connect() as conn:
        for dbname in created:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
    admin.dispose()


def instance(tmp_path, name, url):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        MEDIA_ROOT = tmp_path / name / "media"
        SEARCH_INDEX_DIR = tmp_path / name / "search_index"
        INSTANCE_DIR = tmp_path / name / "instance"
    app = create_app(Config)
    app.test_client_class = RequestScopedClient
    return app


def build_site():
    learner = factories.make_user(username="backup-learner", name="欧阳明月")
    complete_course(learner, make_course(title="党史学习教育", credit_hours=4))
    video_course = make_course(title="视频课程", lessons=0)
    lesson = make_lesson(video_course, "红船精神讲座", kind="video")
    asset = ready_video(lesson)
    search.rebuild()
    while search.process_outbox():
        pass
    return learner, asset


@pytest.mark.parametrize("databases", ["sqlite", "postgresql"], indirect=True)
def test_backup_restores_into_a_fresh_instance(tmp_path, databases):
    source = instance(tmp_path, "source", databases("source"))
    with source.app_context():
        db.create_all()
        learner, asset = build_site()
        learner_id, asset_id = learner.id, asset.id
        serial = db.session.scalar(db.select(Certificate.serial))
        first = backup.create(tmp_path / "backups" / "monday")
        second = backup.create(tmp_path / "backups" / "tuesday")
        # Restoring over live data is refused, in Chinese.
        with pytest.raises(backup.BackupError, match="只能恢复到空实例"):
            restore.restore(tmp_path / "backups" / "monday")
        db.session.remove()
        db.engine.dispose()

    media = first["media"]
    distinct = {info["sha256"] for info in media["files"].values()}
    # 360.mp4 and 720.mp4 are the same bytes here: stored once even within one backup.
    assert len(media["files"]) >= 5 and media["new"] == len(distinct) < len(media["files"])
    # The second backup copied nothing: every file is a hard link to the shared store.
    assert second["media"]["new"] == 0 and second["media"]["reused"] == len(media["files"])
    rel = next(iter(media["files"]))
    assert os.stat(tmp_path / "backups/monday/media" / rel).st_ino == \
        os.stat(tmp_path / "backups/tuesday/media" / rel).st_ino
    manifest = json.loads((tmp_path / "backups/monday/manifest.json").read_text())
    assert manifest["row_counts"]["certificate"] == 1 and manifest["search_index"]["copied"]

    target = instance(tmp_path, "target", databases("target"))
    with target.app_context():
        restored = restore.restore(tmp_path / "backups" / "monday")
        assert restored["row_counts"] == backup.row_counts()
        client = target.test_client()
        page = client.get(f"/verify/{serial}").get_data(as_text=True)
        assert "证书有效" in page and "欧阳明月" in page
        assert login(client, "backup-learner").status_code == 302
        from mooc.accounts.models import User
        from mooc.video.models import VideoAsset
        learner, asset = db.session.get(User, learner_id), db.session.get(VideoAsset, asset_id)
        video = client.get(url_for_user(target, learner, asset, "360.mp4"),
                           headers={"Range": "bytes=0-99"})
        assert video.status_code == 206 and video.data == BODY[:100]
        results = client.get("/search?q=红船精神").get_data(as_text=True)
        assert "找到 1 条结果" in results and "<mark>红船精神</mark>" in results
        db.session.remove()
        db.engine.dispose()


def test_restore_checks_checksums_before_writing(tmp_path):
    source = instance(tmp_path, "source", f"sqlite:///{tmp_path / 's.sqlite3'}")
    with source.app_context():
        db.create_all()
        factories.make_user(username="someone")
        backup.create(tmp_path / "b")
        with pytest.raises(backup.BackupError, match="不为空"):
            backup.create(tmp_path / "b")
    with open(tmp_path / "b" / "database.sqlite3", "r+b") as handle:
        handle.seek(200)
        handle.write(b"tampered")
    target = instance(tmp_path, "target", f"sqlite:///{tmp_path / 't.sqlite3'}")
    with target.app_context():
        with pytest.raises(backup.BackupError, match="校验失败"):
            restore.restore(tmp_path / "b")
        assert backup.row_counts() == {}      # nothing was written
    os.remove(tmp_path / "b" / "manifest.json")
    with target.app_context(), pytest.raises(backup.BackupError, match="manifest.json"):
        restore.restore(tmp_path / "b")


def test_cli_create_and_restore(tmp_path):
    source = instance(tmp_path, "source", f"sqlite:///{tmp_path / 's.sqlite3'}")
    with source.app_context():
        db.create_all()
        factories.make_user(username="cli-user")
    result = source.test_cli_runner().invoke(args=["backup", "create", str(tmp_path / "b")])
    assert result.exit_code == 0 and "备份完成" in result.output, result.output
    again = source.test_cli_runner().invoke(args=["backup", "restore", str(tmp_path / "b")])
    assert again.exit_code == 1 and "只能恢复到空实例" in again.output
    target = instance(tmp_path, "target", f"sqlite:///{tmp_path / 't.sqlite3'}")
    done = target.test_cli_runner().invoke(args=["backup", "restore", str(tmp_path / "b")])
    assert done.exit_code == 0 and "恢复完成" in done.output, done.output
