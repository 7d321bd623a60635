"""Several processes edit lessons while two indexers drain the outbox: afterwards the
index holds exactly one document per lesson, each with its latest text."""
import multiprocessing

import pytest
from huey import SqliteHuey
from sqlalchemy import select

from config import TestingConfig

EDITORS, LESSONS_EACH, EDITS_EACH = 3, 4, 3


def _app(db_url, tmp):
    from mooc import create_app

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = db_url
        SEARCH_INDEX_DIR = tmp / "search_index"
        INSTANCE_DIR = tmp / "instance"
        MEDIA_ROOT = tmp / "media"
    return create_app(Config)


def _editor(db_url, tmp, course_id, worker):
    from mooc.catalog import services as catalog
    from mooc.catalog.models import Course
    from mooc.extensions import db
    app = _app(db_url, tmp)
    with app.app_context():
        course = db.session.get(Course, course_id)
        lessons = []
        for i in range(LESSONS_EACH):
            lessons.append(catalog.create_lesson(course, None, chapter=course.chapters[0],
                                                 title=f"编辑者{worker}课时{i}",
                                                 body=f"初稿{worker}-{i}", published=True))
            db.session.commit()
        for round_ in range(EDITS_EACH):
            for i, lesson in enumerate(lessons):
                catalog.update_lesson(lesson, None, body=f"第{round_}版内容{worker}-{i}")
                db.session.commit()


def _indexer(db_url, tmp, stop):
    from mooc.core import jobs
    from mooc.search.tasks import drain_once
    app = _app(db_url, tmp)
    # The test app runs huey in immediate (in-memory) mode; the indexer lock must be
    # shared between processes, as it is with the real SQLite or Redis storage.
    jobs.huey = SqliteHuey("locks", filename=str(tmp / "locks.sqlite3"))
    while not stop.is_set():
        drain_once(app)
    drain_once(app)


@pytest.mark.slow
def test_concurrent_edits_lose_and_duplicate_nothing(app, db, tmp_path):
    from mooc.search import services
    from mooc.search.models import SearchOutbox
    from tests.catalog_factories import make_course
    services.rebuild()
    course_id = make_course("并发课程", lessons=0).id
    db.session.commit()  # hold no transaction (and no SQLite lock) while others write
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    ctx = multiprocessing.get_context("fork")
    stop = ctx.Event()
    indexers = [ctx.Process(target=_indexer, args=(url, tmp_path, stop)) for _ in range(2)]
    editors = [ctx.Process(target=_editor, args=(url, tmp_path, course_id, w))
               for w in range(EDITORS)]
    for process in indexers + editors:
        process.start()
    try:
        for process in editors:
            process.join(120)
            assert process.exitcode == 0
        stop.set()
        for process in indexers:
            process.join(120)
            assert process.exitcode == 0
    finally:
        # On failure, indexers left running would drain the next test's outbox
        # (under MOOC_TEST_DB=postgres the next test uses the same schema).
        stop.set()
        for process in indexers + editors:
            if process.is_alive():
                process.terminate()
                process.join(10)
    while services.process_outbox():
        pass
    assert db.session.scalar(select(db.func.count(SearchOutbox.id))) == 0
    from mooc.search import engine
    ix = engine.open_index(str(services.current_dir()))
    with ix.searcher() as searcher:
        docs = [dict(d) for d in searcher.all_stored_fields()]
    lesson_docs = [d for d in docs if d["kind"] == "lesson"]
    assert len(lesson_docs) == EDITORS * LESSONS_EACH
    assert len({d["doc_id"] for d in docs}) == len(docs)  # no duplicates
    final = {f"第{EDITS_EACH - 1}版内容{w}-{i}" for w in range(EDITORS) for i in range(LESSONS_EACH)}
    assert {d["body"].strip().splitlines()[-1] for d in lesson_docs} == final
