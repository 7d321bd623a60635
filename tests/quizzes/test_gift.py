"""Moodle GIFT import/export."""
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mooc.quizzes.formats.common import (
    DIFFICULTIES, TEXT_FORMATS, QuestionData, normalise_for_comparison)
from mooc.quizzes.formats.gift import parse_gift, write_gift

KIND_NAMES = ("single", "multiple", "truefalse", "fill")  # the kinds questions() can build


def parse_one(text):
    result = parse_gift(textwrap.dedent(text))
    assert result.issues == [], [str(issue) for issue in result.issues]
    assert len(result.questions) == 1
    return result.questions[0]


def issues_of(text):
    result = parse_gift(textwrap.dedent(text))
    return [(issue.severity, issue.line_or_row, issue.message) for issue in result.issues]


# --- question types ---------------------------------------------------------

def test_single_choice():
    q = parse_one("党的根本宗旨是？{~发展经济 =全心全意为人民服务 ~依法治国}")
    assert (q.kind, q.stem, q.options, q.correct) == (
        "single", "党的根本宗旨是？", ["发展经济", "全心全意为人民服务", "依法治国"], [1])
    assert q.option_weights is None and q.option_feedback is None and q.source_line == 1


def test_multiple_choice_with_percentage_weights():
    q = parse_one("""
        下列属于党的纪律的有？{
            ~%50%政治纪律
            ~%50%组织纪律
            ~%-100%娱乐纪律
            ~无关选项
        }""")
    assert q.kind == "multiple"
    assert q.correct == [0, 1]
    assert q.option_weights == [50, 50, -100, 0]


def test_weights_matching_the_default_rule_are_dropped():
    q = parse_one("选哪些？{~%50%甲 ~%50%乙 ~%-50%丙}")
    assert q.kind == "multiple" and q.correct == [0, 1] and q.option_weights is None


def test_several_equals_answers_make_a_multiple_choice():
    q = parse_one("选哪些？{=甲 =乙 ~丙}")
    assert (q.kind, q.correct, q.option_weights) == ("multiple", [0, 1], None)


def test_single_choice_keeps_partial_credit_weights():
    q = parse_one("Difficult question.{~wrong answer ~%50%half credit answer =full credit answer}")
    assert (q.kind, q.correct, q.option_weights) == ("single", [2], [0, 50, 100])


def test_per_answer_and_general_feedback():
    q = parse_one("""
        What's the answer?{
        ~wrong answer#feedback on the wrong answer
        ~another wrong answer
        =right answer#Very good!
        ####总的解析}""")
    assert q.options == ["wrong answer", "another wrong answer", "right answer"]
    assert q.option_feedback == ["feedback on the wrong answer", "", "Very good!"]
    assert q.explanation == "总的解析"


@pytest.mark.parametrize("answer, expected", [
    ("T", True), ("TRUE", True), ("F", False), ("FALSE", False), ("true", True),
])
def test_true_false(answer, expected):
    q = parse_one(f"太阳从东方升起。{{{answer}}}")
    assert (q.kind, q.answer_true, q.options, q.correct) == ("truefalse", expected, [], [])


def test_true_false_feedback_maps_to_the_answer_chosen():
    # GIFT: first # is shown to a wrong answer, second to a right one.
    q = parse_one("Grant is buried in Grant's tomb.{FALSE#No one is buried there.#Right!####解析}")
    assert q.answer_true is False
    # option_feedback is ordered [shown to 对, shown to 错]; 错 is right here.
    assert q.option_feedback == ["No one is buried there.", "Right!"]
    assert q.explanation == "解析"
    q = parse_one("The sun rises in the east.{T#Wrong!#Right!}")
    assert q.option_feedback == ["Right!", "Wrong!"]


def test_short_answer_becomes_fill_with_several_answers():
    q = parse_one("Who's buried in Grant's tomb?{=no one =nobody}")
    assert (q.kind, q.accepted_answers, q.option_weights) == ("fill", ["no one", "nobody"], None)


def test_short_answer_weights_and_feedback():
    q = parse_one("""
        ::Jesus' hometown:: Jesus Christ was from {
            =Nazareth#Yes! That's right!
            =%75%Nazereth#Right, but misspelled.
        }""")
    assert q.name == "Jesus' hometown"
    assert q.accepted_answers == ["Nazareth", "Nazereth"]
    assert q.option_weights == [100, 75]
    assert q.option_feedback == ["Yes! That's right!", "Right, but misspelled."]


def test_missing_word_format_puts_a_blank_in_the_stem():
    q = parse_one("中国共产党成立于{=1921}年。")
    assert (q.kind, q.stem) == ("fill", "中国共产党成立于____年。")
    q = parse_one("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert q.stem == "Grant is ____ in Grant's tomb."
    assert q.kind == "single" and q.correct == [1]


def test_escapes():
    q = parse_one(r"""
        Which answer equals 5 \{ not \} ? a\:b {
             ~ \= 2 + 2
             = \= 2 + 3 # \# is fine
             ~ back\\slash
             ~ tilde \~ and new\nline
        }""")
    assert q.stem == "Which answer equals 5 { not } ? a:b"
    assert q.options == ["= 2 + 2", "= 2 + 3", "back\\slash", "tilde ~ and new\nline"]
    assert q.option_feedback == ["", "# is fine", "", ""]
    assert q.correct == [1]


def test_unknown_escape_keeps_the_backslash():
    assert parse_one(r"C:\Windows\System {=ok}").stem == "C:\\Windows\\System"


@pytest.mark.parametrize("prefix, expected", [
    ("[markdown]", "markdown"), ("[html]", "html"), ("[plain]", "plain"), ("[moodle]", "plain"),
    ("", "plain"),
])
def test_text_formats(prefix, expected):
    q = parse_one(f"::名称::{prefix}Who's buried in **Grant's tomb**?{{=no one}}")
    assert q.text_format == expected
    assert q.stem == "Who's buried in **Grant's tomb**?"


def test_answer_level_format_tags_are_removed():
    q = parse_one("[html]<b>题干</b>{=[html]<i>答案</i>#[html]<u>反馈</u>}")
    assert (q.text_format, q.stem) == ("html", "<b>题干</b>")
    assert (q.accepted_answers, q.option_feedback) == (["<i>答案</i>"], ["<u>反馈</u>"])


def test_multi_line_question_comments_and_names():
    q = parse_one("""
        // a comment before the question
        ::Kanji Origins::Japanese characters originally
        came from what country? {
            ~India
            // a comment between answers
            =China
        }""")
    assert q.name == "Kanji Origins"
    assert q.stem == "Japanese characters originally\ncame from what country?"
    assert q.options == ["India", "China"]
    assert q.source_line == 3


def test_questions_are_separated_by_blank_lines_and_keep_their_line_numbers():
    result = parse_gift("第一题{T}\n\n\n第二题{=答案}\n   \n第三题{~a =b}\n")
    assert [(q.stem, q.source_line) for q in result.questions] == [
        ("第一题", 1), ("第二题", 4), ("第三题", 6)]


def test_category_and_tag_comments_become_tags_and_difficulty():
    result = parse_gift(textwrap.dedent("""
        $CATEGORY: $course$/top/党史/建党

        // [tag:一大] [tag:人物\\]]
        // [difficulty:hard]
        中共一大在哪里召开？{=上海}

        $CATEGORY: 党章

        党章是什么？{=根本大法}
        """))
    assert result.issues == []
    first, second = result.questions
    assert first.tags == ["党史/建党", "一大", "人物]"]
    assert first.difficulty == "hard"
    assert second.tags == ["党章"] and second.difficulty is None


def test_question_right_after_a_category_line_is_not_lost():
    q = parse_one("$CATEGORY: 党史\n题目 {=a}")
    assert (q.stem, q.tags, q.source_line) == ("题目", ["党史"], 2)


def test_bom_and_windows_line_endings():
    q = parse_gift("\ufeff// c\r\n题目{\r\n=甲\r\n~乙}\r\n").questions[0]
    assert (q.stem, q.options, q.source_line) == ("题目", ["甲", "乙"], 2)


# --- unsupported and malformed input ---------------------------------------

def test_unsupported_types_are_skipped_with_exact_line_numbers():
    text = textwrap.dedent("""\
        // header comment

        Match these. {
            =a -> 1
            =b -> 2
        }

        What is 2+2? {#4}

        Write an essay. {}

        Just a description.

        // name on the next line
        ::Q::OK? {T}
        """)
    result = parse_gift(text)
    assert [(i.severity, i.line_or_row, i.message) for i in result.issues] == [
        ("unsupported", 3, "不支持的题型“匹配题”，已跳过"),
        ("unsupported", 8, "不支持的题型“数值题”，已跳过"),
        ("unsupported", 10, "不支持的题型“问答题”，已跳过"),
        ("unsupported", 12, "不支持的题型“描述”（没有答案花括号 {}），已跳过"),
    ]
    assert str(result.issues[0]) == "第 3 行：不支持的题型“匹配题”，已跳过"
    assert result.ok and len(result.unsupported) == 4
    assert [q.source_line for q in result.questions] == [15]


def test_unclosed_brace_is_reported_at_its_line_and_other_questions_survive():
    result = parse_gift("Good? {T}\n\nBroken question\ncontinues {~a =b\n~c\n\nNext? {F}\n")
    assert [(i.severity, i.line_or_row) for i in result.issues] == [("error", 4)]
    assert "没有闭合" in result.issues[0].message
    assert not result.ok
    assert [q.stem for q in result.questions] == ["Good?", "Next?"]


@pytest.mark.parametrize("text, line, fragment", [
    ("题目\n有多余的 } 括号 {=a}", 2, "“}”前面缺少“{”"),
    ("第一题 {=a}\n第二题 {=b}", 2, "只能有一组答案花括号"),
    ("题目 {=a\n~b {=c}", 2, "多余的“{”"),
    ("::没有结尾的名称 题目 {=a}", 1, "缺少结尾的“::”"),
    ("题目 {~a ~b ~c}", 1, "没有正确答案"),
    ("题目 {=只有一个}\n\n题目 {~a}", 3, "没有正确答案"),
    ("题目 {=唯一选项 ~}", 1, "选项B内容为空"),
    ("题目 {=a ~b =c ~%50%d}", 1, "不能再使用百分比权重"),
    ("题目 {开头 ~a =b}", 1, "选项必须以“~”"),
    ("题目 {~%50%a ~%40%b ~c}", 1, "权重之和必须是 100%"),
    ("{=答案}", 1, "题干不能为空"),
    ("// [difficulty:极难]\n题目 {=a}", 2, "无法识别的难度“极难”"),
])
def test_malformed_questions_are_errors_with_line_numbers(text, line, fragment):
    errors = [i for i in parse_gift(text).issues if i.severity == "error"]
    assert errors, text
    assert errors[0].line_or_row == line
    assert fragment in errors[0].message


def test_moodle_single_answer_choice_is_an_error_not_a_crash():
    assert issues_of("题目 {=a}") == []  # one "=" without "~" is a short answer
    assert issues_of("题目 {~a}")[0][0] == "error"


gift_alphabet = st.sampled_from(list("{}~=#:\\%->TF \n\t/ab党[]$") + ["//", "::", "####", "\n\n",
                                                                     "$CATEGORY:", "[html]", "->"])


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=200), st.lists(gift_alphabet, max_size=80).map("".join)))
def test_random_text_never_raises(text):
    result = parse_gift(text)
    assert all("内部错误" not in issue.message for issue in result.issues)
    assert all(issue.severity in ("error", "unsupported") for issue in result.issues)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    assert all(1 <= issue.line_or_row <= lines for issue in result.issues)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "utf-16"])
def test_uploaded_bytes_are_decoded(encoding):
    result = parse_gift("// 注释\n党的宗旨？{=为人民服务}".encode(encoding))
    assert [(q.stem, q.source_line) for q in result.questions] == [("党的宗旨？", 2)]


def test_undecodable_or_non_text_input_is_reported():
    assert parse_gift(b"\xff\x00\x81").issues[0].message == "无法读取 GIFT 文件，请保存为 UTF-8 编码的文本文件"
    assert not parse_gift(None).ok


# --- writing and round trips -------------------------------------------------

awkward = st.sampled_from([
    "[html]看似格式", "//看似注释", "%50%看似权重", "::看似名称", "$CATEGORY: 看似分类", "T", "TRUE",
    "a->b", "\\", "结尾反斜杠\\", "####", "[plain]", "多\n行", "{}", "~=#:", "\\n", "____",
])
texts = st.one_of(
    awkward,
    st.text(st.one_of(st.sampled_from(list("~=#{}:\\[]%/->_. \n")), st.characters(
        categories=["L", "N"])), min_size=1, max_size=12),
).map(str.strip).filter(bool)
tag_texts = st.text(st.one_of(st.sampled_from(list("]党 [:,")), st.characters(categories=["L", "N"])),
                    min_size=1, max_size=8).map(str.strip).filter(bool)


def optional_list(draw, size):
    values = draw(st.lists(st.just("") | texts, min_size=size, max_size=size))
    return values if any(values) else None


@st.composite
def gift_questions(draw):
    kind = draw(st.sampled_from(KIND_NAMES))
    q = QuestionData(
        kind=kind, stem=draw(texts), name=draw(st.none() | texts),
        text_format=draw(st.sampled_from(TEXT_FORMATS)), explanation=draw(st.just("") | texts),
        difficulty=draw(st.none() | st.sampled_from(DIFFICULTIES)),
        tags=draw(st.lists(tag_texts, unique=True, max_size=3)))
    if kind in ("single", "multiple"):
        q.options = draw(st.lists(texts, min_size=2, max_size=6, unique_by=normalise_for_comparison))
        indexes = st.integers(0, len(q.options) - 1)
        if kind == "single":
            q.correct = [draw(indexes)]
            weights = [100 if i in q.correct else draw(st.sampled_from([0, 25, 50, -50, 12.5]))
                       for i in range(len(q.options))]
            q.option_weights = weights if draw(st.booleans()) and sorted(weights)[-2] != 0 else None
        else:
            q.correct = sorted(draw(st.sets(indexes, min_size=1)))
            if draw(st.booleans()) and len(q.correct) < len(q.options):
                q.option_weights = [100 / len(q.correct) if i in q.correct else 0
                                    for i in range(len(q.options))]
        if draw(st.booleans()):
            q.option_feedback = optional_list(draw, len(q.options))
    elif kind == "truefalse":
        q.answer_true = draw(st.booleans())
        q.option_feedback = optional_list(draw, 2)
    else:
        q.accepted_answers = draw(st.lists(texts, min_size=1, max_size=4))
        if draw(st.booleans()):
            weights = [100] + draw(st.lists(st.sampled_from([0, 50, 33.5, -25]),
                                            min_size=len(q.accepted_answers) - 1,
                                            max_size=len(q.accepted_answers) - 1))
            q.option_weights = weights if len(weights) > 1 else None
        q.option_feedback = optional_list(draw, len(q.accepted_answers))
    return q


@settings(max_examples=120, deadline=None)
@given(st.lists(gift_questions(), min_size=1, max_size=4))
def test_round_trip(questions):
    written = write_gift(questions)
    result = parse_gift(written)
    assert result.issues == [], written
    assert result.questions == questions, written


def test_round_trip_of_awkward_texts_by_example():
    q = QuestionData(kind="fill", stem="//路径 C:\\temp\\new {x}", name="名::称",
                     accepted_answers=["a->b", "%50%", "T"], option_feedback=["#", "", "[html]x"],
                     explanation="####结尾\\", tags=["标]签"], text_format="plain")
    written = write_gift([q])
    assert parse_gift(written).questions == [q]
    assert "-\\>" in written and "C\\:\\\\temp\\\\new \\{x\\}" in written


def test_written_gift_looks_like_moodle_gift():
    questions = [
        QuestionData(kind="single", stem="党的根本宗旨是？", options=["为人民服务", "发展经济"], correct=[0],
                     tags=["党章"], difficulty="easy", explanation="见党章总纲"),
        QuestionData(kind="truefalse", stem="党员必须年满十八岁。", answer_true=True),
        QuestionData(kind="multiple", stem="选出正确的", options=["甲", "乙", "丙"], correct=[0, 1]),
    ]
    assert write_gift(questions) == textwrap.dedent("""\
        // [tag:党章]
        // [difficulty:easy]
        党的根本宗旨是？ {
        \t=为人民服务
        \t~发展经济
        \t####见党章总纲
        }

        党员必须年满十八岁。 {TRUE}

        选出正确的 {
        \t~%50%甲
        \t~%50%乙
        \t~%-50%丙
        }

        """)
