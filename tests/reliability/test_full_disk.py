"""A full disk while saving: a clear error, nothing half-written, and it works again later.

No root and no real full filesystem: ENOSPC is simulated where the app writes.

* Files: `storage.store_stream` writes through `os.fdopen(...)`; the patched writer
  raises OSError(ENOSPC) once N bytes are written (the partial temp file must go).
* Database: every INSERT/UPDATE/DELETE raises sqlite3.OperationalError("database or
  disk is full"), as SQLite does when it cannot grow the file or the WAL.

Each case: the answer is 507 with "服务器存储空间不足…您的内容未保存" (JSON for the API,
a page for forms), MEDIA_ROOT/tmp holds no partial file, no row was added, and the same
request succeeds once the patch is removed (space is back).
"""
import errno
import io
import os
import re
import sqlite3
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from mooc.core import storage
from mooc.extensions import db as _db
from tests.conftest import csrf_token

DISK_FULL_MESSAGE = "服务器存储空间不足，请稍后再试，您的内容未保存"
META_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
PDF = b"%PDF-1.4\n" + b"0123456789abcdef" * (400 * 1024 // 16)  # 400 KB: several chunks


class _FullDiskWriter(io.RawIOBase):
    """A file object that accepts `budget` bytes, then raises ENOSPC (writing what fits)."""

    def __init__(self, real, budget):
        self.real, self.budget = real, budget

    def write(self, data):
        if len(data) > self.budget:
            self.real.write(bytes(data[:self.budget]))
            self.budget = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.budget -= len(data)
        return self.real.write(data)

    def writable(self):
        return True

    def close(self):
        self.real.close()
        super().close()

    def __exit__(self, *exc):
        self.close()


class _OsWithFullDisk:
    """Stands in for the `os` module inside mooc.core.storage.store only."""

    def __init__(self, budget):
        self.budget = budget

    def fdopen(self, fd, *args, **kwargs):
        return _FullDiskWriter(os.fdopen(fd, *args, **kwargs), self.budget)

    def __getattr__(self, name):
        return getattr(os, name)


@contextmanager
def full_media_disk(monkeypatch, budget=100 * 1024):
    monkeypatch.setattr(storage.store, "os", _OsWithFullDisk(budget))
    try:
        yield
    finally:
        monkeypatch.setattr(storage.store, "os", os)


@contextmanager
def full_database():
    """Reads work; any write statement fails the way SQLite fails on a full disk."""
    engine = _db.engine

    def refuse(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            raise sqlite3.OperationalError("database or disk is full")

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", refuse)


def tmp_files(app):
    tmp = storage.media_root() / storage.TMP_DIR
    return sorted(p.name for p in tmp.iterdir()) if tmp.is_dir() else []


def media_files(app):
    root = storage.media_root()
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) \
        if root.is_dir() else []


def count(model):
    _db.session.rollback()
    return _db.session.scalar(select(func.count()).select_from(model))


def assert_disk_full_answer(response, *, json):
    assert response.status_code == 507, (response.status_code, response.get_data(as_text=True)[:300])
    if json:
        assert response.is_json and response.json["reason"] == "disk_full"
        assert DISK_FULL_MESSAGE in response.json["error"]
    else:
        assert DISK_FULL_MESSAGE in response.get_data(as_text=True)


@pytest.fixture
def lesson_setup(app, make_user):
    from tests.catalog_factories import make_course
    owner = make_user(role="instructor")
    course = make_course(owner=owner)
    return owner, course, course.ordered_lessons()[0]


def _upload(client, course, lesson):
    token = csrf_token(client, f"/author/courses/{course.id}/lessons/{lesson.id}")
    return client.post(f"/author/courses/{course.id}/lessons/{lesson.id}/attachments",
                       data={"csrf_token": token, "file": (io.BytesIO(PDF), "材料.pdf")},
                       content_type="multipart/form-data")


def test_upload_on_a_full_disk_leaves_no_partial_file_and_recovers(
        app, client, login_as, lesson_setup, monkeypatch):
    from mooc.catalog.models import Attachment
    owner, course, lesson = lesson_setup
    login_as(owner)
    before_rows, before_files = count(Attachment), media_files(app)
    with full_media_disk(monkeypatch, budget=100 * 1024):
        response = _upload(client, course, lesson)
    assert_disk_full_answer(response, json=False)
    assert tmp_files(app) == [], "a half-written upload was left in MEDIA_ROOT/tmp"
    assert media_files(app) == before_files
    assert count(Attachment) == before_rows
    # Space is back: the very same upload works.
    response = _upload(client, course, lesson)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert count(Attachment) == before_rows + 1
    assert tmp_files(app) == []


def test_upload_when_the_database_is_full_adds_no_row_and_recovers(
        app, client, login_as, lesson_setup):
    from mooc.catalog.models import Attachment
    owner, course, lesson = lesson_setup
    login_as(owner)
    before_rows = count(Attachment)
    with full_database():
        response = _upload(client, course, lesson)
    assert_disk_full_answer(response, json=False)
    assert count(Attachment) == before_rows
    assert tmp_files(app) == []
    # The stored file (complete, content-addressed) is referenced by nothing, so the
    # garbage collector removes it after its grace period; it is never half-written.
    for name in media_files(app):
        key = name if storage.is_valid_key(name) else None
        if key and key.endswith(".pdf"):
            assert storage.sha256_of_file(storage.path_for(key)) == storage.key_digest(key)
    response = _upload(client, course, lesson)
    assert response.status_code == 302
    assert count(Attachment) == before_rows + 1


def test_quiz_autosave_and_submit_when_the_database_is_full(app, client, login_as):
    from mooc.quizzes.models import Attempt, AttemptAnswer
    from tests.quizzes.factories import fill, make_quiz
    course, lesson, _quiz = make_quiz([fill("填空题干____")])
    login_as()
    token = csrf_token(client, f"/courses/{course.id}/lessons/{lesson.id}")
    started = client.post(f"/quiz/{lesson.id}/start", data={"csrf_token": token})
    attempt_id = int(re.search(r"/quiz/attempts/(\d+)", started.headers["Location"]).group(1))
    html = client.get(f"/quiz/attempts/{attempt_id}").get_data(as_text=True)
    token = META_RE.search(html).group(1)
    question_id = _db.session.get(Attempt, attempt_id).question_ids[0]
    save = lambda: client.post(f"/api/quiz/attempts/{attempt_id}/answers",  # noqa: E731
                               json={"answers": {str(question_id): "共产主义"}},
                               headers={"X-CSRFToken": token})
    submit = lambda: client.post(f"/api/quiz/attempts/{attempt_id}/submit", json={},  # noqa: E731
                                 headers={"X-CSRFToken": token})
    before_answers = count(AttemptAnswer)
    with full_database():
        assert_disk_full_answer(save(), json=True)
        assert_disk_full_answer(submit(), json=True)
    assert count(AttemptAnswer) == before_answers
    _db.session.expire_all()
    assert _db.session.get(Attempt, attempt_id).status == "open"
    # Space is back: the same requests succeed, once each.
    assert save().status_code == 200
    response = submit()
    assert response.status_code == 200 and response.json["status"] == "submitted"
    assert count(AttemptAnswer) == before_answers + 1


def test_form_post_when_the_database_is_full_shows_the_message(app, client, login_as):
    from mooc.accounts.models import User
    login_as(role="admin")
    fields = {"username": "full-disk-user", "name": "满盘用户", "password": "Secret-12345",
              "role": "admin", "category": "full_member", "org": ""}

    def create():
        page = client.get("/admin/users/new")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                          page.get_data(as_text=True)).group(1)
        return client.post("/admin/users/new", data={**fields, "csrf_token": token})

    before = count(User)
    with full_database():
        response = create()
    assert_disk_full_answer(response, json=False)
    assert count(User) == before
    response = create()
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert count(User) == before + 1


def test_disk_full_is_recognised_in_all_its_forms():
    from sqlalchemy.exc import OperationalError
    from mooc.core.errors import is_disk_full
    assert is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    assert is_disk_full(OperationalError("INSERT", {}, sqlite3.OperationalError(
        "database or disk is full")))
    assert not is_disk_full(OSError(errno.EACCES, "Permission denied"))
    assert not is_disk_full(ValueError("something else"))
