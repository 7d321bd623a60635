"""The search index kept in step with the database, and the search page."""
import pytest
from sqlalchemy import func, select

from mooc.catalog import services as catalog
from mooc.search import providers, services
from mooc.search.models import SearchOutbox
from mooc.video import services as video_services
from tests.catalog_factories import make_course, make_lesson


@pytest.fixture
def index(app):
    services.rebuild()
    return services


def drain():
    while services.process_outbox():
        pass


def titles(results):
    return [hit.title for hit in results.hits]


def test_content_change_writes_outbox_in_same_transaction(app, db, make_user):
    course = make_course("互联网+党建入门")
    keys = set(db.session.scalars(select(SearchOutbox.doc_key)))
    assert f"course:{course.id}" in keys
    assert any(k.startswith("lesson:") for k in keys)
    # A rolled-back change leaves no outbox row behind.
    before = db.session.scalar(select(func.count(SearchOutbox.id)))
    catalog.update_lesson(course.lessons[0], None, title="改了但回滚")
    db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == before


def test_edit_becomes_searchable_and_unpublish_removes_it(index, db):
    course = make_course("党章学习")
    lesson = make_lesson(course, "三会一课制度", body="支部要坚持三会一课制度，按时召开支部党员大会。")
    drain()
    assert "三会一课制度" in titles(services.search(None, "三会一课"))
    catalog.update_lesson(lesson, None, body="主题党日活动每月开展一次。")
    db.session.commit()
    drain()
    assert services.search(None, "主题党日").total >= 1
    assert "三会一课制度" in titles(services.search(None, "主题党日"))
    catalog.set_lesson_published(lesson, None, False)
    db.session.commit()
    drain()
    assert "三会一课制度" not in titles(services.search(None, "主题党日"))
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0


def test_restricted_course_never_appears_for_outsiders(index, db, make_org, make_user):
    committee = make_org("党委", "committee")
    branch_a = make_org("甲支部", "branch", committee)
    branch_b = make_org("乙支部", "branch", committee)
    insider = make_user(org=branch_a)
    outsider = make_user(org=branch_b)
    make_course("甲支部专题", visibility="restricted", orgs=[branch_a],
                body="专题内容：党费收缴的规定。")
    make_course("公开课程", body="党费收缴工作说明。")
    drain()
    inside = services.search(services.visible_course_ids(insider), "党费")
    outside = services.search(services.visible_course_ids(outsider), "党费")
    assert inside.total > outside.total
    assert all("甲支部专题" not in hit.title for hit in outside.hits)
    assert all("专题内容" not in hit.snippet for hit in outside.hits)


def test_transcript_hits_carry_timestamps(index, db, monkeypatch):
    course = make_course("视频课")
    lesson = make_lesson(course, "视频：党的建设", kind="video")
    monkeypatch.setattr(video_services, "transcript_cues", lambda l: [
        {"start": 12.5, "end": 15, "text": "今天我们学习两学一做"},
        {"start": 75, "end": 80, "text": "学习强国平台的使用"}] if l.id == lesson.id else [])
    services.enqueue(f"lesson:{lesson.id}")
    db.session.commit()
    drain()
    results = services.search(None, "学习强国", kinds=["transcript"])
    assert results.total == 1
    hit = results.hits[0]
    assert hit.start_seconds == 75 and hit.url.endswith("?t=75")


def test_quiz_answers_are_never_indexed(index, db):
    course = make_course("测验课")
    make_lesson(course, "随堂测验", kind="quiz", body="")
    drain()
    docs = providers.lesson_documents(course.lessons[-1].id)
    assert all("正确答案" not in d["body"] for d in docs)


def test_rebuild_swaps_atomically_and_keeps_everything(index, db):
    make_course("重建测试课程", body="慕课平台建设。")
    drain()
    first = services.current_dir()
    count = services.rebuild()
    assert count >= 2 and services.current_dir() != first
    assert services.search(None, "慕课").total >= 1


def test_search_page(index, client, login_as, db):
    make_course("网上党支部", body="网上党支部的日常管理。")
    drain()
    login_as()
    page = client.get("/search?q=党支部").get_data(as_text=True)
    assert "<mark>" in page and "网上党支部" in page
    empty = client.get("/search?q=完全不存在的词语").get_data(as_text=True)
    assert "没有找到" in empty


@pytest.mark.parametrize("query", ['"未闭合引号', "AND OR NOT", "title:*", "😀" * 1000,
                                   "((((", "\\", "%00", "a" * 5000])
def test_malformed_queries_return_a_normal_page(index, client, login_as, query):
    login_as()
    response = client.get("/search", query_string={"q": query, "page": "x", "course": "-1"})
    assert response.status_code == 200


def test_cli_query_and_status(app, index, db):
    make_course("命令行课程", body="命令行搜索党建内容。")
    drain()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "query", "党建"])
    assert result.exit_code == 0 and "命令行课程" in result.output
    assert '"ok": true' in runner.invoke(args=["search", "status"]).output


def test_indexer_builds_urls_without_a_request_or_server_name(app, db):
    """The worker has no request and production sets no SERVER_NAME."""
    app.config["SERVER_NAME"] = None
    course = make_course("后台索引", body="后台进程建立索引。")
    services.rebuild()
    hits = services.search(None, "后台").hits
    assert any(hit.url == f"/courses/{course.id}" for hit in hits)


def test_search_page_with_several_pages_of_results(index, client, login_as, db):
    course = make_course("分页课程", lessons=0)
    for i in range(12):
        make_lesson(course, f"分页课时{i}", body="支部组织生活会的要求。", published=True)
    drain()
    login_as()
    first = client.get("/search?q=组织生活会")
    assert first.status_code == 200 and "下一页" in first.get_data(as_text=True)
    second = client.get("/search?q=组织生活会&page=2")
    assert second.status_code == 200 and "上一页" in second.get_data(as_text=True)


def test_an_index_from_an_older_release_is_rebuilt_by_the_indexer(app, db, monkeypatch):
    from mooc.search import engine
    make_course("党章学习")
    services.rebuild()
    assert services.rebuild_if_stale() is False
    old_dir = services.current_dir()
    monkeypatch.setattr("mooc.search.analysis.ANALYSIS_VERSION", 99)   # code moved on
    assert services.rebuild_if_stale() is True
    assert services.current_dir() != old_dir
    assert engine.schema_is_current(engine.open_index(str(services.current_dir())))
    assert "党章学习" in titles(services.search(None, "党章"))
