import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mooc.core.textnorm import (
    NFKC_STABLE_CLASS,
    PINYIN_SYLLABLES,
    clean_pasted_text,
    han_readings,
    normalize_for_search,
    normalize_with_offsets,
    strip_phonetic_guides,
)

# --------------------------------------------------------------------------
# strip_phonetic_guides
# --------------------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [
    ("联(lián)系群众", "联系群众"),
    ("党（dǎng）建", "党建"),
    ("联(lian2)系", "联系"),
    ("联(lian)系", "联系"),            # plain syllable that is a reading of 联
    ("绿(lǜ)色", "绿色"),
    ("绿(lv4)色", "绿色"),
    ("党（ dǎng ）员", "党员"),
    ("联(lián)系(xì)群众", "联系群众"),
])
def test_strips_phonetic_guides(raw, expected):
    assert strip_phonetic_guides(raw) == expected


@pytest.mark.parametrize("raw", [
    "党章(2017)",
    "(一)总则",
    "第一条(一)",
    "党员(English words)",
    "详见下文(见第三章)",
    "太阳(sun)",        # a syllable, but not a reading of 阳
    "他(he)说",
    "单元格(A1)",       # upper case: never a Word guide
    "联(xyz)",          # not a syllable
    "(lián)开头",       # no Han character before it
    "联(lián xì)",      # two syllables are not a single guide
    "版本(v2)",
])
def test_keeps_legitimate_parentheses(raw):
    assert strip_phonetic_guides(raw) == raw


def test_pinyin_inventory_matches_pypinyin():
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin.pinyin_dict import pinyin_dict

    known = {to_normal(p) for v in pinyin_dict.values() for p in v.split(",")}
    assert PINYIN_SYLLABLES <= known
    # Only interjections and rare dialect syllables are left out on purpose.
    assert len(known - PINYIN_SYLLABLES) < 20


def test_han_readings_include_polyphones():
    assert {"xing", "hang"} <= han_readings("行")


# --------------------------------------------------------------------------
# clean_pasted_text
# --------------------------------------------------------------------------


def test_removes_invisible_characters_and_normalises_newlines():
    raw = "\ufeff党员\u200b教育\u200c\u200d管理\u2060\u00ad\u200e条例\r\n第二行\r第三行\t缩进"
    assert clean_pasted_text(raw) == "党员教育管理条例\n第二行\n第三行\t缩进"


def test_keeps_zero_width_joiner_inside_emoji():
    family = "👨\u200d👩\u200d👧"
    assert clean_pasted_text(f"家庭{family}") == f"家庭{family}"


def test_folds_fullwidth_letters_and_digits():
    assert clean_pasted_text("第１章 ＡＢＣ１２３") == "第1章 ABC123"


def test_converts_ascii_punctuation_between_han():
    assert clean_pasted_text("党员,干部") == "党员，干部"
    assert clean_pasted_text("时间:今天;地点:会议室") == "时间：今天；地点：会议室"
    assert clean_pasted_text("你好吗?好的!谢谢") == "你好吗？好的！谢谢"
    assert clean_pasted_text("党员, 干部") == "党员，干部"
    assert clean_pasted_text("见附件(附件一)说明") == "见附件（附件一）说明"
    # Not clearly wrong: left alone.
    assert clean_pasted_text("Hello, world") == "Hello, world"
    assert clean_pasted_text("党章(2017)") == "党章(2017)"
    assert clean_pasted_text("党员(Party member)") == "党员(Party member)"
    assert clean_pasted_text("结束?\n") == "结束?\n"


def test_strips_phonetic_guides_in_prose():
    assert clean_pasted_text("密切联(lián)系群众") == "密切联系群众"


MARKDOWN = """# 第一章,总则

1. 党员,干部
2. 第二项
- 无序,列表
* [链接,文字](http://example.com/党建?a=1,2 "标题,说明") 和 ![图](img/党,建.png)
<https://例子.com/党,建> 访问 https://x.cn/路径?问=答,好 了解
行内 `代码,中文(lián)` 与 ``双`反引号,中文`` 结束
\\(转义\\)

| 列一,列二 | ＡＢＣ |
|---|---|
| 党员,干部 | 1 |

```python
print("党员,干部")  # 全角ＡＢＣ
```

~~~
党员,干部
~~~

    缩进,代码块

> 引用,内容
"""

MARKDOWN_EXPECTED = """# 第一章，总则

1. 党员，干部
2. 第二项
- 无序，列表
* [链接，文字](http://example.com/党建?a=1,2 "标题,说明") 和 ![图](img/党,建.png)
<https://例子.com/党,建> 访问 https://x.cn/路径?问=答,好 了解
行内 `代码,中文(lián)` 与 ``双`反引号,中文`` 结束
\\(转义\\)

| 列一，列二 | ABC |
|---|---|
| 党员，干部 | 1 |

```python
print("党员,干部")  # 全角ＡＢＣ
```

~~~
党员,干部
~~~

    缩进,代码块

> 引用，内容
"""


def test_markdown_syntax_survives():
    assert clean_pasted_text(MARKDOWN) == MARKDOWN_EXPECTED


def test_unclosed_fence_protects_rest_of_document():
    raw = "正文,内容\n```\n代码,内容\n更多,代码"
    assert clean_pasted_text(raw) == "正文，内容\n```\n代码,内容\n更多,代码"


_VISIBLE = st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Zl", "Zp"),
                         blacklist_characters="`~\u00a0\u2007\u202f\u115f\u1160\u17b4\u17b5\u034f\u180b\u180c\u180d\u180e\u180f")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=_VISIBLE, max_size=30), max_size=4))
def test_fenced_code_is_never_touched(code_lines):
    body = "\n".join(code_lines)
    cleaned = clean_pasted_text(f"前言\n```\n{body}\n```\n")
    assert cleaned == f"前言\n```\n{body}\n```\n"


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_clean_pasted_text_never_raises(text):
    cleaned = clean_pasted_text(text)
    assert "\r" not in cleaned and "\u200b" not in cleaned and "\ufeff" not in cleaned


# --------------------------------------------------------------------------
# normalize_for_search
# --------------------------------------------------------------------------


def test_traditional_and_simplified_normalise_the_same():
    assert normalize_for_search("互聯網") == normalize_for_search("互联网") == "互联网"
    assert normalize_for_search("黨員幹部") == "党员干部"


def test_width_folding_and_casefold():
    assert normalize_for_search("ＡＢＣ１２３") == "abc123"
    assert normalize_for_search("Python Straße") == "python strasse"


def test_search_normalisation_strips_guides():
    assert normalize_for_search("党（dǎng）建") == "党建"


def test_offsets_point_into_the_original_text():
    original = "黨（dǎng）建：ＡＢＣ"
    norm = normalize_with_offsets(original)
    assert norm.text == "党建:abc"
    start, end = norm.source_span(0, 2)
    assert original[start:end] == "黨（dǎng）建"
    start, end = norm.source_span(3, 6)
    assert original[start:end] == "ＡＢＣ"


def test_offsets_for_expanding_and_composing_characters():
    original = "a\u030cß㈱"
    norm = normalize_with_offsets(original)
    assert norm.text == "ǎss(株)"
    assert len(norm.starts) == len(norm.ends) == len(norm.text)
    assert original[slice(*norm.source_span(0, 1))] == "a\u030c"
    assert original[slice(*norm.source_span(1, 3))] == "ß"


def test_nfkc_stable_class_claim():
    import re

    stable = re.compile(f"[{NFKC_STABLE_CLASS}]")
    for code in range(0x10000):
        ch = chr(code)
        if stable.match(ch):
            assert unicodedata.normalize("NFKC", ch) == ch, hex(code)


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=60))
def test_offsets_are_consistent(text):
    norm = normalize_with_offsets(text)
    assert norm.text == normalize_for_search(text)
    assert len(norm.starts) == len(norm.ends) == len(norm.text)
    assert all(0 <= s < e <= len(text) for s, e in zip(norm.starts, norm.ends))
    assert list(norm.starts) == sorted(norm.starts)


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="党建互聯網学習强国ＡＢＣabc１２3 ,，(（lián)）", max_size=40))
def test_normalisation_is_idempotent_on_common_text(text):
    once = normalize_for_search(text)
    assert normalize_for_search(once) == once
