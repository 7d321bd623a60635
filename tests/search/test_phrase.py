"""ExactPhrase finds exactly what Whoosh's own Phrase finds."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import collectors
from whoosh import query as Q

from mooc.search.engine import apply_changes, create_index
from mooc.search.phrase import ExactPhrase

TEXTS = ["组织生活会", "组织生产生活", "生活组织", "学习学习再学习", "党建工作党建", "党。建", "建党建"]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    ix = create_index(str(tmp_path_factory.mktemp("phrase")))
    apply_changes(ix, [dict(doc_id=f"d{i}", kind="lesson", course_id=1, title="", body=t)
                       for i, t in enumerate(TEXTS)])
    with ix.searcher() as s:
        yield s


def matches(searcher, query):
    collector = collectors.UnsortedCollector()
    searcher.search_with_collector(query, collector)
    return sorted(searcher.stored_fields(n)["body"] for n in collector.all_ids())


def grams(text):
    return [text[i:i + 2] for i in range(len(text) - 1)]


@pytest.mark.parametrize("needle, expected", [
    ("组织生活", ["组织生活会"]),
    ("学习学习", ["学习学习再学习"]),
    ("党建工作", ["党建工作党建"]),
    ("建党建", ["建党建"]),
    ("没有这", []),
])
def test_exact_phrase_matches_consecutive_bigrams_only(searcher, needle, expected):
    assert matches(searcher, ExactPhrase("body_bigram", grams(needle))) == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet="组织生活产学习党建工作", min_size=2, max_size=5))
def test_same_documents_as_whoosh_phrase(searcher, needle):
    words = grams(needle)
    assert matches(searcher, ExactPhrase("body_bigram", words)) == \
        matches(searcher, Q.Phrase("body_bigram", words))
