from mooc.search.highlight import SCAN_CHUNK, Needles, pinyin_spans, text_spans, title_html


def marked(text, spans):
    return [text[a:b] for a, b in spans]


def test_han_needles_follow_normalisation_and_bridge_line_breaks():
    text = "運用互聯網開展黨員教育，中国共产\n党的历史"
    spans = text_spans(text, Needles(han={"互联网", "共产党"}))
    assert marked(text, spans) == ["互聯網", "共产\n党"]


def test_han_needles_never_cross_punctuation():
    assert text_spans("党。建", Needles(han={"党建"})) == []


def test_latin_needles_match_whole_words_only():
    text = "ＡＢＣ１２３ and abc1234"
    assert marked(text, text_spans(text, Needles(words={"abc123"}))) == ["ＡＢＣ１２３"]


def test_matches_far_into_a_long_text_are_found():
    filler = "天" * (SCAN_CHUNK * 2 - 1)
    text = filler + "党建工作"          # straddles the second chunk edge
    assert marked(text, text_spans(text, Needles(han={"党建"}))) == ["党建"]


def test_pinyin_spans_mark_the_reading_in_a_title():
    title = "学习强国平台使用指南"
    assert marked(title, pinyin_spans(title, [("xue", "xi", "qiang", "guo")])) == ["学习强国"]


def test_title_html_escapes_and_marks():
    assert title_html("<b>党建</b>", Needles(han={"党建"})) == "&lt;b&gt;<mark>党建</mark>&lt;/b&gt;"
