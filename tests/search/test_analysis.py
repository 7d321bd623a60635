import pickle
import threading

import pytest

from mooc.search.analysis import (
    BigramAnalyzer,
    ChineseAnalyzer,
    PinyinAnalyzer,
    init_jieba,
    pinyin_segmentations,
    split_pinyin,
)


def tokens(analyzer, text, mode="index"):
    return [(t.text, t.pos, text[t.startchar:t.endchar])
            for t in analyzer(text, positions=True, chars=True, mode=mode)]


def texts(analyzer, text, mode="index"):
    return [t.text for t in analyzer(text, mode=mode)]


def test_init_jieba_is_idempotent_and_thread_safe():
    errors = []

    def worker():
        try:
            init_jieba()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    init_jieba()
    assert not errors


def test_jieba_words_use_user_dictionary():
    words = texts(ChineseAnalyzer(), "学习强国和三会一课是党建工作的重要内容")
    assert "学习强国" in words
    assert "三会一课" in words
    assert "党建" in words
    # search mode also yields the parts of long words
    assert "学习" in words and "强国" in words


def test_jieba_does_not_invent_words_across_boundaries():
    assert "党建" not in texts(ChineseAnalyzer(), "政党建立的历史")


def test_jieba_keeps_latin_words_lowercased_and_drops_punctuation():
    words = texts(ChineseAnalyzer(), "Python3 与 ＡＢＣ，互联网+党建！")
    assert "python3" in words and "abc" in words
    assert "，" not in words and "！" not in words and " " not in words
    assert "互联网+党建" in words


def test_jieba_offsets_point_into_original_traditional_text():
    text = "黨建工作"
    result = tokens(ChineseAnalyzer(), text)
    assert ("党建", 0, "黨建") in result


def test_bigrams_cover_every_substring():
    result = tokens(BigramAnalyzer(), "管理信息系统")
    assert [t for t, _, _ in result] == ["管理", "理信", "信息", "息系", "系统", "统"]
    assert [p for _, p, _ in result] == list(range(6))


def test_bigram_query_mode_has_no_trailing_unigram():
    assert texts(BigramAnalyzer(), "信息系统", mode="query") == ["信息", "息系", "系统"]
    assert texts(BigramAnalyzer(), "党", mode="query") == ["党"]


def test_bigrams_keep_latin_words_whole_and_bridge_wrapped_lines():
    assert texts(BigramAnalyzer(), "5G网络 Party") == ["5g", "网络", "络", "party"]
    result = tokens(BigramAnalyzer(), "中国共产\n党")
    assert ("产党", 3, "产\n党") in result


def test_pinyin_one_syllable_per_character():
    result = tokens(PinyinAnalyzer(), "党建")
    assert result == [("dang", 0, "党"), ("jian", 1, "建")]


def test_pinyin_polyphones_share_a_position():
    result = tokens(PinyinAnalyzer(), "银行")
    positions = {text: pos for text, pos, _ in result}
    assert positions["hang"] == positions["xing"] == 1


def test_pinyin_leaves_gap_at_punctuation():
    result = tokens(PinyinAnalyzer(), "强国：党建")
    positions = {text: pos for text, pos, _ in result}
    assert positions["dang"] - positions["guo"] == 2


@pytest.mark.parametrize("query, expected", [
    ("dangjian", ["dang", "jian"]),
    ("xuexiqiangguo", ["xue", "xi", "qiang", "guo"]),
    ("dang jian", ["dang", "jian"]),
    ("DangJian", ["dang", "jian"]),
    ("xi'an", ["xi", "an"]),
    ("muke", ["mu", "ke"]),
    ("lue", ["lve"]),
    ("fangan", ["fang", "an"]),
])
def test_split_pinyin(query, expected):
    assert split_pinyin(query) == expected


@pytest.mark.parametrize("query", ["", "a", "python", "党建", "dang2", "hello!", "x" * 100])
def test_split_pinyin_rejects_non_pinyin(query):
    assert split_pinyin(query) is None


def test_pinyin_segmentations_offer_alternatives():
    assert ["fan", "gan"] in pinyin_segmentations("fangan")


def test_analyzers_are_picklable():
    for factory in (ChineseAnalyzer, BigramAnalyzer, PinyinAnalyzer):
        clone = pickle.loads(pickle.dumps(factory()))
        assert texts(clone, "党建") == texts(factory(), "党建")
