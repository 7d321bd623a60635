"""Question types: registry, validation messages, response normalisation, grading."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mooc.quizzes import kinds
from mooc.quizzes.formats.common import QuestionData


def single(**overrides):
    fields = dict(kind="single", stem="党的根本宗旨是？", options=["为人民服务", "发展经济", "依法治国"],
                  correct=[0])
    return QuestionData(**{**fields, **overrides})


def multiple(**overrides):
    fields = dict(kind="multiple", stem="下列属于党的纪律的有？",
                  options=["政治纪律", "组织纪律", "廉洁纪律", "娱乐纪律"], correct=[0, 1, 2])
    return QuestionData(**{**fields, **overrides})


def truefalse(answer=True, **overrides):
    return QuestionData(kind="truefalse", stem="党员必须年满十八岁。", answer_true=answer, **overrides)


def fill(answers=("共产主义",), **overrides):
    return QuestionData(kind="fill", stem="党的最高理想是实现____。", accepted_answers=list(answers),
                        **overrides)


def test_registry_has_one_class_per_type_with_chinese_labels():
    labels = {name: cls.label_zh for name, cls in kinds.KINDS.items()}
    assert labels == {"single": "单选题", "multiple": "多选题", "truefalse": "判断题", "fill": "填空题"}
    assert kinds.kind_of("fill") is kinds.FillBlank
    with pytest.raises(ValueError, match="未知题型"):
        kinds.kind_of("essay")


def test_adding_a_type_is_adding_a_class():
    class Rating(kinds.QuestionKind):
        name = "rating"
        label_zh = "打分题"

        @classmethod
        def _validate_answer(cls, q):
            return []

        @classmethod
        def normalise_response(cls, raw, q=None):
            return int(raw)

        @classmethod
        def _score(cls, q, response, partial, lenient):
            return response / 5

    kinds.register(Rating)
    try:
        q = QuestionData(kind="rating", stem="你对本课的评分")
        assert kinds.validate(q) == []
        assert kinds.grade(q, 4) == pytest.approx(0.8)
    finally:
        del kinds.KINDS["rating"]


# --- validation -------------------------------------------------------------

@pytest.mark.parametrize("question, message", [
    (single(correct=[0, 1]), "单选题必须恰好有一个正确答案"),
    (single(correct=[]), "单选题必须恰好有一个正确答案"),
    (single(options=["只有一个"]), "选项不能少于两个"),
    (single(options=["甲", " "], correct=[0]), "选项B内容为空"),
    (single(options=["甲", "ＡＢ", "ab"]), "选项“ab”重复"),
    (single(correct=[5]), "正确答案的选项序号超出范围"),
    (single(stem="  "), "题干不能为空"),
    (single(difficulty="extreme"), "难度只能是易、中、难"),
    (single(text_format="rtf"), "文本格式只能是 plain、markdown 或 html"),
    (single(option_weights=[100, 0]), "百分比权重的数量与选项数量不一致"),
    (single(option_weights=[50, 0, 0]), "单选题正确选项的权重必须是 100%"),
    (single(option_weights=[100, 0, 150]), "百分比权重必须在 -100 到 100 之间"),
    (single(option_feedback=["对"]), "反馈的数量与选项数量不一致"),
    (multiple(correct=[]), "多选题至少需要一个正确答案"),
    (multiple(correct=[0, 0]), "正确答案中有重复的选项"),
    (multiple(option_weights=[50, 50, 0, 0]), "多选题的正确答案必须正好是权重为正的选项"),
    (multiple(option_weights=[30, 30, 30, -100]), "多选题正确选项的权重之和必须是 100%"),
    (truefalse(answer=None), "判断题必须指定答案是“对”还是“错”"),
    (truefalse(option_feedback=["好"]), "判断题的反馈应有两项（答“对”时、答“错”时）"),
    (fill(answers=()), "填空题至少需要一个参考答案"),
    (fill(answers=("共产主义", "")), "填空题的参考答案不能为空"),
    (fill(answers=("a", "b"), option_weights=[50, 50]), "填空题至少要有一个得满分（100%）的参考答案"),
    (QuestionData(kind="essay", stem="谈谈体会"), "未知题型“essay”"),
])
def test_validation_messages(question, message):
    assert message in kinds.validate(question)


@pytest.mark.parametrize("question", [
    single(), multiple(), truefalse(), fill(answers=("a", "b")),
    single(option_weights=[100, 50, -50]), multiple(option_weights=[33.33333, 33.33333, 33.33333, -100]),
    fill(answers=("a", "b"), option_weights=[100, 50]), truefalse(option_feedback=["对了", ""]),
])
def test_valid_questions_have_no_messages(question):
    assert kinds.validate(question) == []


# --- single choice ----------------------------------------------------------

def test_single_choice_grading():
    q = single()
    assert kinds.grade(q, 0) == 1.0
    assert kinds.grade(q, "0") == 1.0  # form fields arrive as strings
    assert kinds.grade(q, 1) == 0.0
    assert kinds.grade(q, True) == 0.0  # JSON true is not option 1
    assert kinds.grade(q, 9) == 0.0
    assert kinds.grade(q, None) == 0.0


def test_single_choice_weights_only_count_with_partial_credit():
    q = single(option_weights=[100, 50, -50])
    assert kinds.grade(q, 1) == 0.0
    assert kinds.grade(q, 1, partial=True) == 0.5
    assert kinds.grade(q, 2, partial=True) == 0.0  # negative weights floor at 0


def test_single_choice_normalise_response_rejects_bad_input_in_chinese():
    assert kinds.SingleChoice.normalise_response(" 2 ") == 2
    with pytest.raises(ValueError, match="应为选项序号"):
        kinds.SingleChoice.normalise_response([1])
    with pytest.raises(ValueError, match="所选选项不存在"):
        kinds.SingleChoice.normalise_response(3, single())


# --- multiple choice --------------------------------------------------------

def test_multiple_choice_is_all_or_nothing_by_default():
    q = multiple()
    assert kinds.grade(q, [2, 0, 1]) == 1.0
    assert kinds.grade(q, [0, 1]) == 0.0
    assert kinds.grade(q, [0, 1, 2, 3]) == 0.0


@pytest.mark.parametrize("chosen, expected", [
    ([0, 1, 2], 1.0),
    ([0, 1], 2 / 3),          # two of three right, nothing wrong
    ([0, 1, 3], 1 / 3),       # (2 right − 1 wrong) / 3
    ([0, 3], 0.0),            # (1 − 1) / 3
    ([3], 0.0),               # floored at 0, never negative
    ([0, 1, 2, 3], 2 / 3),    # choosing everything costs the wrong one
    ([], 0.0),
])
def test_multiple_choice_partial_credit_formula(chosen, expected):
    assert kinds.grade(multiple(), chosen, partial=True) == pytest.approx(expected)


def test_multiple_choice_partial_credit_uses_gift_weights_when_present():
    q = multiple(correct=[0, 1], option_weights=[50, 50, -100, 0])
    assert kinds.grade(q, [0], partial=True) == 0.5
    assert kinds.grade(q, [0, 3], partial=True) == 0.5
    assert kinds.grade(q, [0, 1, 2], partial=True) == 0.0
    assert kinds.grade(q, [0], partial=False) == 0.0


def test_multiple_choice_normalise_response():
    assert kinds.MultipleChoice.normalise_response([2, "0", 2]) == [0, 2]
    with pytest.raises(ValueError, match="选项序号列表"):
        kinds.MultipleChoice.normalise_response("0,2")
    with pytest.raises(ValueError, match="所选选项不存在"):
        kinds.MultipleChoice.normalise_response([0, 4], multiple())
    with pytest.raises(ValueError, match="过多"):
        kinds.MultipleChoice.normalise_response(list(range(100)))


# --- true / false -----------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    (True, True), (False, False), (1, True), (0, False), ("true", True), ("FALSE", False),
    ("对", True), ("错", False), ("正确", True), ("错误", False), ("T", True), ("f", False),
])
def test_true_false_normalise_response(raw, expected):
    assert kinds.TrueFalse.normalise_response(raw) is expected


def test_true_false_grading_and_bad_input():
    assert kinds.grade(truefalse(True), True) == 1.0
    assert kinds.grade(truefalse(True), "错") == 0.0
    assert kinds.grade(truefalse(False), False) == 1.0
    assert kinds.grade(truefalse(False), "maybe") == 0.0
    with pytest.raises(ValueError, match="判断题的答案应为“对”或“错”"):
        kinds.TrueFalse.normalise_response(2)


# --- fill in the blank ------------------------------------------------------

@pytest.mark.parametrize("response", [
    "共产主义", " 共产主义 ", "共产主义。", "共产主义.",
])
def test_fill_accepts_trailing_punctuation_and_spaces(response):
    assert kinds.grade(fill(), response) == 1.0


@pytest.mark.parametrize("accepted, response", [
    ("ABC", "ａｂｃ"),            # full-width and case
    ("GDP", "gdp"),
    ("中国 共产党", "中国   共产党"),  # runs of spaces
    ("1921", "１９２１"),
    ("实事求是", "实事求是！"),
    ("a,b", "ａ，ｂ"),             # full-width comma folds to ASCII
])
def test_fill_lenient_matching(accepted, response):
    q = fill(answers=(accepted,))
    assert kinds.grade(q, response) == 1.0
    assert kinds.grade(q, response, lenient=False) == 0.0


def test_fill_several_accepted_answers_and_wrong_answers():
    q = fill(answers=("共产主义", "共产主义社会"))
    assert kinds.grade(q, "共产主义社会") == 1.0
    assert kinds.grade(q, "社会主义") == 0.0
    assert kinds.grade(q, "") == 0.0
    assert kinds.grade(q, "   ") == 0.0
    assert kinds.grade(q, 1921) == 0.0
    assert kinds.grade(fill(answers=("1921",)), 1921) == 1.0


def test_fill_weights_give_partial_credit_only_when_asked():
    q = fill(answers=("Nazareth", "Nazereth", "wrong"), option_weights=[100, 75, 0])
    assert kinds.grade(q, "nazereth") == 0.0
    assert kinds.grade(q, "nazereth", partial=True) == 0.75
    assert kinds.grade(q, "NAZARETH", partial=True) == 1.0
    assert kinds.grade(q, "wrong", partial=True) == 0.0


def test_fill_normalise_response():
    assert kinds.FillBlank.normalise_response(3.5) == "3.5"
    with pytest.raises(ValueError, match="填空题的答案应为文字"):
        kinds.FillBlank.normalise_response(["a"])
    with pytest.raises(ValueError, match="过长"):
        kinds.FillBlank.normalise_response("党" * 1000)


# --- any untrusted input ----------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=3), children,
                                                                          max_size=3),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None)
@given(raw=json_values, partial=st.booleans(), lenient=st.booleans())
def test_grading_untrusted_json_never_raises_and_stays_in_range(raw, partial, lenient):
    questions = [single(option_weights=[100, 50, -50]), multiple(), multiple(
        correct=[0, 1], option_weights=[50, 50, -100, 0]), truefalse(), fill(answers=("a", "1"))]
    for q in questions:
        assert 0.0 <= kinds.grade(q, raw, partial, lenient=lenient) <= 1.0
        try:
            kinds.kind_of(q).normalise_response(raw, q)
        except ValueError as error:
            assert any("\u4e00" <= char <= "\u9fff" for char in str(error))
