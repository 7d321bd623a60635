import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mooc.search.engine import (
    apply_changes,
    build_index,
    build_schema,
    coalesce_changes,
    create_index,
    open_index,
    optimize_index,
    schema_is_current,
    search,
)
from mooc.search.searcher_cache import SearcherCache
from mooc.search import analysis

COURSE_A, COURSE_B, COURSE_SECRET = 1, 2, 99

# Compounds that contain 信息系统 somewhere inside; jieba alone misses most.
INFO_SYSTEM_TEXTS = [
    "管理信息系统的建设与维护",
    "地理信息系统在基层治理中的应用",
    "党员信息系统上线运行",
    "医院信息系统改造",
    "本单位的信息系统安全等级保护",
    "建设统一的党建信息系统平台",
]


def doc(doc_id, title, body="", *, course=COURSE_A, kind="lesson", **extra):
    return dict(doc_id=doc_id, kind=kind, course_id=course, title=title, body=body,
                url=f"/x/{doc_id}", **extra)


CORPUS = [
    doc("party-building", "党建工作要点", "党建工作是基层党组织的中心任务。"),
    doc("political-party", "世界政党概览", "政党建立之初，政党建设面临许多问题，这是政党建立的历史。"),
    doc("traditional", "互聯網時代的黨員教育", "運用互聯網開展黨員教育。"),
    doc("simplified", "网络学习", "利用互联网开展学习。"),
    doc("width", "英文缩写", "本课介绍ＡＢＣ１２３编码规则。"),
    doc("guides", "联系群众", "密切联(lián)系(xì)群众是优良作风。"),
    doc("pinyin-course", "党建引领基层治理", "课程简介", kind="course"),
    doc("xuexi", "学习强国平台使用指南", "平台功能介绍", kind="course", tags=["学习强国", "平台"]),
    doc("muke", "慕课学习方法", "如何学习慕课"),
    doc("escape", "安全说明", "请勿输入<script>alert(1)</script>信息系统字样"),
    doc("python", "Python 编程入门", "学习 Python 的基础语法"),
    doc("transcript-1", "第一讲 党史", "同志们，今天我们学习党的历史。", kind="transcript",
        lesson_id=7, lesson_kind="video", start_seconds=125.5),
    doc("secret", "机密课程 党健康", "党建 信息系统 学习强国 机密内容", course=COURSE_SECRET),
    doc("secret-2", "内部管理信息系统", "党建工作内部资料", course=COURSE_SECRET,
        tags=["学习强国"]),
    *[doc(f"info-{i}", f"案例{i}", text) for i, text in enumerate(INFO_SYSTEM_TEXTS)],
    doc("no-info-1", "信息与系统", "信息和系统是两个概念"),
    doc("no-info-2", "系统信息", "查看系统信息"),
    *[doc(f"b-{i}", f"学习资料{i}", "学习材料", course=COURSE_B) for i in range(5)],
]

VISIBLE = [COURSE_A, COURSE_B]


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    index = create_index(str(tmp_path_factory.mktemp("ix")))
    apply_changes(index, CORPUS, [])
    return index


@pytest.fixture(scope="module")
def searcher(ix):
    with ix.searcher() as s:
        yield s


def ids(results):
    return [h.doc_id for h in results.hits]


def find(searcher, text, **kwargs):
    kwargs.setdefault("allowed_course_ids", VISIBLE)
    kwargs.setdefault("pagelen", 50)
    return search(searcher, text, **kwargs)


def test_substring_recall_inside_compounds(searcher):
    found = set(ids(find(searcher, "信息系统")))
    expected = {f"info-{i}" for i in range(len(INFO_SYSTEM_TEXTS))} | {"escape"}
    assert found == expected


def test_real_word_outranks_cross_boundary_match(searcher):
    result = ids(find(searcher, "党建"))
    assert "political-party" in result          # substring recall still finds it
    assert result.index("party-building") < result.index("political-party")


@pytest.mark.parametrize("query", ["互联网", "互聯網"])
def test_traditional_and_simplified_find_each_other(searcher, query):
    assert {"traditional", "simplified"} <= set(ids(find(searcher, query)))


@pytest.mark.parametrize("query", ["abc123", "ＡＢＣ１２３", "ABC123"])
def test_width_and_case_folding(searcher, query):
    assert ids(find(searcher, query)) == ["width"]


def test_phonetic_guides_do_not_block_matches(searcher):
    result = find(searcher, "密切联系群众")
    assert ids(result) == ["guides"]
    assert "<mark>" in result.hits[0].snippet


@pytest.mark.parametrize("query, expected", [
    ("dangjian", "pinyin-course"),
    ("xuexiqiangguo", "xuexi"),
    ("dang jian", "pinyin-course"),
    ("muke", "muke"),
])
def test_pinyin_title_search(searcher, query, expected):
    assert expected in ids(find(searcher, query))


def test_pinyin_title_is_highlighted(searcher):
    hit = next(h for h in find(searcher, "xuexiqiangguo").hits if h.doc_id == "xuexi")
    assert hit.title_html == "<mark>学习强国</mark>平台使用指南"


def test_disallowed_course_never_appears_and_totals_exclude_it(searcher):
    everything = search(searcher, "党建", pagelen=50)
    assert "secret" in ids(everything)
    visible = find(searcher, "党建")
    assert "secret" not in ids(visible)
    assert visible.total == everything.total - 2
    assert visible.total == len(visible.hits)


def test_empty_permission_set_sees_nothing(searcher):
    assert find(searcher, "党建", allowed_course_ids=[]).total == 0


def test_pagination_totals_respect_permissions(searcher):
    page1 = find(searcher, "学习资料", allowed_course_ids=[COURSE_B], pagelen=2)
    page3 = find(searcher, "学习资料", allowed_course_ids=[COURSE_B], pagelen=2, page=3)
    assert page1.total == page3.total == 5
    assert page1.page_count == 3
    assert len(page1.hits) == 2 and len(page3.hits) == 1
    assert not set(ids(page1)) & set(ids(page3))


def test_filters_by_course_kind_and_lesson_kind(searcher):
    assert set(ids(find(searcher, "学习", course_id=COURSE_B))) == {f"b-{i}" for i in range(5)}
    assert ids(find(searcher, "学习", kinds=["course"])) == ["xuexi"]
    assert ids(find(searcher, "党史", lesson_kind="video")) == ["transcript-1"]


def test_transcript_hits_carry_start_seconds(searcher):
    hit = find(searcher, "党的历史", kinds="transcript").hits[0]
    assert hit.start_seconds == 125.5
    assert hit.lesson_id == 7 and hit.course_id == COURSE_A
    assert "<mark>党的历史</mark>" in hit.snippet


def test_highlight_marks_matches_and_escapes_html(searcher):
    hit = next(h for h in find(searcher, "信息系统").hits if h.doc_id == "escape")
    assert "<mark>信息系统</mark>" in hit.snippet
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet


def test_single_character_query(searcher):
    assert "muke" in ids(find(searcher, "慕"))


def test_multi_word_query_is_and(searcher):
    assert ids(find(searcher, "党建 中心任务")) == ["party-building"]
    assert set(ids(find(searcher, "党建 基层"))) == {"party-building", "pinyin-course"}
    # No document has both: not an empty page but a labelled partial match
    # (issue 14: no dead ends); AND still decides the first two above.
    nothing_has_both = find(searcher, "党建 慕课")
    assert nothing_has_both.partial and nothing_has_both.total > 0


def test_latin_word_search(searcher):
    assert ids(find(searcher, "python")) == ["python"]


def test_did_you_mean_homophone(searcher):
    result = find(searcher, "党健工作")
    assert result.total == 0
    assert result.suggestion == "党建工作"


def test_did_you_mean_spelling(searcher):
    assert find(searcher, "pythn").suggestion == "python"


def test_suggestion_never_comes_from_a_hidden_course(searcher):
    # 党健康 only exists in a course the user cannot see.
    assert find(searcher, "党健康", allowed_course_ids=[COURSE_B]).suggestion is None


MALFORMED = ['"党建', "党建\"'", "title:党建", "AND OR NOT", "党建 AND", "党*", "*", "?",
             "(党建", "党建)", "[a TO b]", "{}", "\\", "😀" * 1000, "", "   ", "\x00",
             "a" * 5000, "党" * 3000, "-党建", "+党建", "~党建^2", "title:", ":"]


@pytest.mark.parametrize("query", MALFORMED)
def test_malformed_queries_never_raise(searcher, query):
    result = find(searcher, query)
    assert result.total >= 0


def test_emoji_and_empty_queries_return_nothing(searcher):
    assert find(searcher, "😀" * 1000).total == 0
    assert find(searcher, "").total == 0


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40))
def test_arbitrary_text_never_raises(searcher, text):
    search(searcher, text, allowed_course_ids=VISIBLE, page=2, pagelen=3)


def test_schema_is_current(ix, monkeypatch):
    assert schema_is_current(ix)
    assert schema_is_current(open_index(ix.storage.folder))
    # Changing the tokenisation version means the index must be rebuilt.
    monkeypatch.setattr("mooc.search.analysis.ANALYSIS_VERSION", analysis.ANALYSIS_VERSION + 1)
    assert not schema_is_current(ix)


@pytest.mark.parametrize("page, pagelen", [(0, 10), (-5, -1), ("x", None), (10**9, 10**9)])
def test_silly_paging_is_clamped(searcher, page, pagelen):
    result = find(searcher, "党建", page=page, pagelen=pagelen)
    assert 1 <= result.page and 1 <= result.pagelen <= 100


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


def count(ix, query="党建"):
    with ix.searcher() as s:
        return search(s, query, pagelen=100).total


def test_batch_with_repeated_id_keeps_one_document(tmp_path):
    index = create_index(str(tmp_path))
    apply_changes(index, [doc("d1", "旧标题党建", "旧"), doc("d1", "新标题党建", "新")], [])
    with index.searcher() as s:
        assert s.doc_count() == 1
        assert search(s, "党建").hits[0].title == "新标题党建"
    apply_changes(index, [doc("d1", "再次更新党建")], [])
    with index.searcher() as s:
        assert s.doc_count() == 1


def test_deletes_and_upserts_in_one_batch(tmp_path):
    index = create_index(str(tmp_path))
    apply_changes(index, [doc("a", "党建一"), doc("b", "党建二"),
                          doc("c", "党建三", lesson_id=5, kind="transcript")], [])
    apply_changes(index, [doc("b", "党建二改")], ["a", "b"], delete_lesson_ids=[5])
    with index.searcher() as s:
        result = search(s, "党建")
    assert [h.title for h in result.hits] == ["党建二改"]


def test_coalesce_changes_last_event_wins():
    events = [("upsert", "a", {"doc_id": "a", "v": 1}), ("delete", "a", None),
              ("delete", "b", None), ("upsert", "b", {"doc_id": "b", "v": 2}),
              ("upsert", "c", {"doc_id": "c", "v": 1}), ("upsert", "c", {"doc_id": "c", "v": 3})]
    upserts, deletes = coalesce_changes(events)
    assert deletes == ["a"]
    assert upserts == [{"doc_id": "b", "v": 2}, {"doc_id": "c", "v": 3}]


def test_invalid_documents_are_rejected(tmp_path):
    index = create_index(str(tmp_path))
    with pytest.raises(ValueError):
        apply_changes(index, [dict(doc_id="x", kind="unknown", course_id=1)], [])
    with pytest.raises(ValueError):
        apply_changes(index, [dict(doc_id="x", kind="lesson", course_id=1, bogus=1)], [])
    with index.searcher() as s:
        assert s.doc_count() == 0


def test_segments_are_not_compound(tmp_path):
    index = create_index(str(tmp_path))
    apply_changes(index, [doc("a", "党建")], [])
    assert not list(tmp_path.glob("*.seg"))


# --------------------------------------------------------------------------
# SearcherCache
# --------------------------------------------------------------------------


def test_searcher_cache_sees_new_commits_and_survives_merges(tmp_path):
    path = str(tmp_path)
    index = create_index(path)
    cache = SearcherCache(path)
    assert cache.search("党建").total == 0
    for i in range(3):
        apply_changes(index, [doc(f"d{i}", f"党建{i}")], [])
        assert cache.search("党建").total == i + 1
    with cache.searcher() as first:
        assert first is not None
        with cache.searcher() as again:
            assert again is first           # unchanged index → same searcher
    optimize_index(index)                   # merges segments
    apply_changes(index, [doc("d0", "党建零")], ["d1"])
    result = cache.search("党建", pagelen=10)
    assert result.total == 2
    assert sorted(ids(result)) == ["d0", "d2"]
    cache.close()


def test_searcher_cache_nested_use_keeps_one_searcher(tmp_path):
    path = str(tmp_path)
    index = create_index(path)
    apply_changes(index, [doc("a", "党建")], [])
    cache = SearcherCache(path)
    seen_by_other_thread = []
    with cache.searcher() as outer:
        apply_changes(index, [doc("b", "党建")], [])
        # Same thread, still inside: the searcher is not swapped underneath.
        assert cache.search("党建").total == 1
        worker = threading.Thread(target=lambda: seen_by_other_thread.append(
            cache.search("党建").total))
        worker.start()
        worker.join()
        assert search(outer, "党建").total == 1
    assert seen_by_other_thread == [2]
    assert cache.search("党建").total == 2
    cache.close()


def _search_while_committing(path, commits=5):
    cache = SearcherCache(path, result_cache_size=0)   # every call really searches
    errors = []

    def reader():
        try:
            for _ in range(30):
                assert cache.search("党建").total >= 1
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    index = open_index(path)
    for i in range(commits):
        apply_changes(index, [doc(f"n{i}", "党建新")], [])   # commits merge small segments
    for t in threads:
        t.join()
    return cache, errors


def test_a_searcher_opened_before_a_merge_still_reads_its_documents(tmp_path):
    # Whoosh opens segment files lazily; a merge that deleted them at once broke
    # searchers opened a moment earlier (seen as 500s while the indexer commits).
    index = create_index(str(tmp_path))
    for i in range(3):
        apply_changes(index, [doc(f"d{i}", "党建")], [])
    with index.searcher() as early:
        optimize_index(index)                       # merges every segment away
        assert {h.doc_id for h in search(early, "党建").hits} == {"d0", "d1", "d2"}


def test_searcher_cache_is_thread_safe_while_the_indexer_merges(tmp_path):
    path = str(tmp_path)
    apply_changes(create_index(path), [doc("a", "党建")], [])
    for _ in range(3):
        cache, errors = _search_while_committing(path)
        assert not errors
    assert cache.search("党建").total == 6


def _segment_files(path):
    """Index files that belong to no segment of the latest TOC, and all TOCs."""
    import os

    from whoosh.index import TOC
    ix = open_index(path)
    current = {seg.segment_id() for seg in TOC.read(ix.storage, "MAIN").segments}
    names = os.listdir(path)
    orphans = {n for n in names if n.startswith("MAIN_") and n != "MAIN_WRITELOCK"
               and n.split(".")[0] not in current}
    tocs = {n for n in names if n.startswith("_MAIN_") and n.endswith(".toc")}
    return orphans, tocs


def test_merged_away_files_are_removed_only_after_the_grace_period(tmp_path):
    import os
    import time

    from mooc.search import engine
    path = str(tmp_path)
    index = create_index(path)
    for i in range(12):                                  # enough commits for a merge
        apply_changes(index, [doc(f"d{i}", "党建")], [])
    orphans, tocs = _segment_files(path)
    assert orphans and len(tocs) > 1, "merged-away files should linger for a while"
    old = time.time() - engine.SUPERSEDED_GRACE_SECONDS - 5
    for name in os.listdir(path):
        os.utime(os.path.join(path, name), (old, old))
    apply_changes(index, [doc("last", "党建")], [])
    orphans, tocs = _segment_files(path)
    assert not orphans and len(tocs) == 1
    assert search(open_index(path), "党建").total == 13


# --------------------------------------------------------------------------
# Larger result sets, rebuilds and the result cache
# --------------------------------------------------------------------------


def test_totals_respect_permissions_when_matches_exceed_the_page(tmp_path):
    # More matches than one page: Whoosh's own recount (with terms=True) ignored the
    # filter and reported the hidden course's documents too.
    index = create_index(str(tmp_path))
    docs = [doc(f"a{i}", f"党建{i}", "党建工作", course=COURSE_A) for i in range(30)]
    docs += [doc(f"s{i}", f"党建{i}", "党建工作", course=COURSE_SECRET) for i in range(40)]
    apply_changes(index, docs, [])
    with index.searcher() as s:
        visible = search(s, "党建", allowed_course_ids=[COURSE_A], pagelen=5, page=2)
        assert visible.total == 30 and visible.page_count == 6
        assert all(h.course_id == COURSE_A for h in visible.hits)
        assert search(s, "党建", pagelen=5).total == 70


def test_build_index_writes_one_segment_and_keeps_the_first_of_a_repeated_id(tmp_path):
    index = create_index(str(tmp_path))
    batches = [[doc("d1", "党建一"), doc("d2", "党建二")], [doc("d1", "党建重复"), doc("d3", "党建三")]]
    assert build_index(index, iter(batches)) == 3
    with index.searcher() as s:
        assert s.doc_count() == 3
        assert len(s.reader().leaf_readers()) == 1
        assert sorted(h.title for h in search(s, "党建").hits) == ["党建一", "党建三", "党建二"]


def test_build_index_adds_nothing_when_a_document_is_invalid(tmp_path):
    index = create_index(str(tmp_path))
    with pytest.raises(ValueError):
        build_index(index, [[doc("ok", "党建")], [dict(doc_id="x", kind="bad", course_id=1)]])
    with index.searcher() as s:
        assert s.doc_count() == 0


def test_schema_with_other_field_formats_is_not_current(tmp_path, monkeypatch):
    from whoosh.fields import TEXT

    from mooc.search import engine
    from mooc.search.analysis import BigramAnalyzer

    def old_schema():
        schema = build_schema()
        schema.remove("body_bigram")
        schema.add("body_bigram", TEXT(analyzer=BigramAnalyzer(), chars=True))
        return schema

    monkeypatch.setattr(engine, "build_schema", old_schema)
    index = create_index(str(tmp_path))
    monkeypatch.undo()
    assert not schema_is_current(index)


def test_result_cache_answers_repeats_and_forgets_on_commit(tmp_path, monkeypatch):
    from mooc.search import searcher_cache
    path = str(tmp_path)
    index = create_index(path)
    apply_changes(index, [doc("a", "党建一")], [])
    cache = SearcherCache(path)
    calls = []
    real_search = searcher_cache.search
    monkeypatch.setattr(searcher_cache, "search",
                        lambda *a, **k: calls.append(a[1]) or real_search(*a, **k))
    first = cache.search("党建", allowed_course_ids=[COURSE_A, COURSE_B])
    again = cache.search("党建", allowed_course_ids=[COURSE_B, COURSE_A])
    assert again is first and calls == ["党建"]
    assert cache.search("党建", allowed_course_ids=[COURSE_B]).total == 0   # other rights
    apply_changes(index, [doc("b", "党建二")], [])
    assert cache.search("党建", allowed_course_ids=[COURSE_A, COURSE_B]).total == 2
    assert len(calls) == 3
    cache.close()


def test_result_cache_can_be_switched_off(tmp_path):
    path = str(tmp_path)
    apply_changes(create_index(path), [doc("a", "党建一")], [])
    cache = SearcherCache(path, result_cache_size=0)
    assert cache.search("党建") is not cache.search("党建")
    cache.close()
