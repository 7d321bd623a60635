"""Excel / CSV question banks."""
import csv
import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from mooc.quizzes.formats.common import DIFFICULTIES, QuestionData, normalise_for_comparison
from mooc.quizzes.formats.sheet import (
    MAX_DATA_ROWS, parse_csv, parse_xlsx, template_xlsx, write_csv, write_xlsx)

HEADER = ["题型", "题目", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "解析", "难度", "标签"]


def xlsx(rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    if header:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, header=HEADER, encoding="utf-8", delimiter=","):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerows(([header] if header else []) + rows)
    return buffer.getvalue().encode(encoding)


def row(kind, stem, options=(), answer="", explanation="", difficulty="", tags=""):
    options = list(options) + [""] * (6 - len(options))
    return [kind, stem, *options, answer, explanation, difficulty, tags]


def located(result):
    return [(issue.line_or_row, issue.column, issue.message) for issue in result.issues]


GOOD_ROWS = [
    row("单选", "党的根本宗旨是？", ["为人民服务", "发展经济", "依法治国"], "A", "见党章", "易", "党章，宗旨"),
    row("多选题", "党的纪律有？", ["政治纪律", "组织纪律", "娱乐纪律"], "A.B.", "", "中", "纪律"),
    row("判断", "党员须年满十八岁。", answer="对", difficulty="难"),
    row("填空题", "党的最高理想是实现____。", answer="共产主义|共产主义社会"),
]
EXPECTED = [
    QuestionData(kind="single", stem="党的根本宗旨是？", options=["为人民服务", "发展经济", "依法治国"],
                 correct=[0], explanation="见党章", difficulty="easy", tags=["党章", "宗旨"]),
    QuestionData(kind="multiple", stem="党的纪律有？", options=["政治纪律", "组织纪律", "娱乐纪律"],
                 correct=[0, 1], difficulty="medium", tags=["纪律"]),
    QuestionData(kind="truefalse", stem="党员须年满十八岁。", answer_true=True, difficulty="hard"),
    QuestionData(kind="fill", stem="党的最高理想是实现____。", accepted_answers=["共产主义", "共产主义社会"]),
]


def test_parse_xlsx_reads_every_type():
    result = parse_xlsx(xlsx(GOOD_ROWS))
    assert result.issues == []
    assert result.questions == EXPECTED
    assert [q.source_row for q in result.questions] == [2, 3, 4, 5]


def test_parse_xlsx_accepts_a_file_object():
    assert parse_xlsx(io.BytesIO(xlsx(GOOD_ROWS))).questions == EXPECTED


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_parse_csv_in_common_encodings(encoding):
    result = parse_csv(csv_bytes(GOOD_ROWS, encoding=encoding))
    assert result.issues == []
    assert result.questions == EXPECTED


def test_parse_tab_separated_text():
    assert parse_csv(csv_bytes(GOOD_ROWS, delimiter="\t")).questions == EXPECTED


@pytest.mark.parametrize("answer", ["ACD", "A.C.D.", "A,C,D", "A、C、D", "acd", "ＡＣＤ", "A，C，D",
                                    "A C D", "CAD", "ACDA"])
def test_multiple_choice_answer_spellings(answer):
    result = parse_csv(csv_bytes([row("多选", "题", ["甲", "乙", "丙", "丁"], answer)]))
    assert result.issues == []
    assert result.questions[0].correct == [0, 2, 3]


@pytest.mark.parametrize("answer, expected", [
    ("对", True), ("错", False), ("正确", True), ("错误", False), ("√", True), ("×", False),
    ("T", True), ("F", False), ("t", True), ("是", True), ("否", False), ("TRUE", True),
])
def test_true_false_answer_spellings(answer, expected):
    result = parse_csv(csv_bytes([row("判断", "题", answer=answer)]))
    assert result.issues == []
    assert result.questions[0].answer_true is expected


@pytest.mark.parametrize("answer, expected", [
    ("1921", ["1921"]), ("上海|嘉兴", ["上海", "嘉兴"]), ("上海；嘉兴南湖", ["上海", "嘉兴南湖"]),
    (" 上海 | | 嘉兴 ", ["上海", "嘉兴"]),
])
def test_fill_answer_spellings(answer, expected):
    assert parse_csv(csv_bytes([row("填空", "题", answer=answer)])).questions[0].accepted_answers == expected


@pytest.mark.parametrize("tags, expected", [
    ("党史,党章", ["党史", "党章"]), ("党史，党章", ["党史", "党章"]), ("党史、党章", ["党史", "党章"]),
    ("党史;党章 党章", ["党史", "党章"]), ("", []),
])
def test_tag_separators(tags, expected):
    assert parse_csv(csv_bytes([row("判断", "题", answer="对", tags=tags)])).questions[0].tags == expected


def test_bad_rows_are_reported_with_row_numbers_and_columns_and_skipped():
    rows = [
        row("单选", "好题", ["甲", "乙"], "A"),
        row("单选", "答案越界", ["甲", "乙", "丙", "丁"], "E"),
        row("", "", []),  # fully empty rows are skipped but still counted
        row("问答", "不认识的题型", answer="A"),
        row("单选", "", ["甲", "乙"], "A"),
        row("单选", "两个答案", ["甲", "乙"], "AB"),
        row("多选", "答案乱写", ["甲", "乙"], "甲乙"),
        row("判断", "判断乱写", answer="不知道"),
        row("填空", "没有答案", answer=" | "),
        row("单选", "难度乱写", ["甲", "乙"], "A", difficulty="超难"),
        row("单选", "选项有空缺", ["甲", "", "丙"], "A"),
        row("单选", "只有一个选项", ["甲"], "A"),
        row("单选", "没写答案", ["甲", "乙"], ""),
        row("单选", "重复选项", ["甲", "甲"], "A"),
    ]
    for result in (parse_csv(csv_bytes(rows)), parse_xlsx(xlsx(rows))):
        assert [q.stem for q in result.questions] == ["好题"]
        assert located(result) == [
            (3, "答案", "单选题的答案“E”不在选项中"),
            (5, "题型", "无法识别的题型“问答”，应为单选、多选、判断或填空"),
            (6, "题目", "题目不能为空"),
            (7, "答案", "单选题只能有一个答案，却填写了“AB”"),
            (8, "答案", "无法识别的答案“甲乙”，请填写选项字母，如 A 或 ACD"),
            (9, "答案", "判断题的答案“不知道”无法识别，应为 对/错、正确/错误、√/×、T/F 或 是/否"),
            (10, "答案", "填空题的答案不能为空"),
            (11, "难度", "无法识别的难度“超难”，应为易、中、难（可留空）"),
            (12, "选项B", "选项B为空，但后面还有选项"),
            (13, "选项B", "单选题至少需要两个选项"),
            (14, "答案", "答案不能为空"),
            (15, None, "选项“甲”重复"),
        ]
        assert str(result.issues[0]) == "第 3 行，答案：单选题的答案“E”不在选项中"
        assert not result.ok


def test_header_aliases_extra_columns_and_title_row():
    rows = [["党史题库（2024 年版）"],
            ["序号", "题型*", "题干", "A", "B", "正确答案", "答案解析"],
            ["1", "单选", "一大在哪召开？", "上海", "北京", "a", "嘉兴南湖续会"]]
    result = parse_xlsx(xlsx(rows, header=None))
    assert result.issues == []
    q = result.questions[0]
    assert (q.stem, q.options, q.correct, q.explanation, q.source_row) == (
        "一大在哪召开？", ["上海", "北京"], [0], "嘉兴南湖续会", 3)


def test_more_than_six_options_via_extra_columns():
    header = HEADER[:8] + ["选项G"] + HEADER[8:]
    result = parse_csv(csv_bytes([["单选", "题", "1", "2", "3", "4", "5", "6", "7", "G", "", "", ""]],
                                 header=header))
    assert result.questions[0].options == list("1234567") and result.questions[0].correct == [6]


@pytest.mark.parametrize("header, missing", [
    (["题型", "题目", "解析"], "答案"), (["题目", "选项A", "选项B"], "题型、答案"),
])
def test_missing_required_columns(header, missing):
    result = parse_csv(csv_bytes([row("判断", "题")], header=header))
    assert located(result) == [(1, None, "缺少必需的列：" + missing)]


def test_no_header_at_all():
    result = parse_csv("just,some\nrandom,text\n".encode())
    assert located(result) == [(1, None, "没有找到表头：第一行应包含“题型”“题目”“答案”等列，请参照模板填写")]


def test_excel_typed_cells_are_read_as_typed():
    result = parse_xlsx(xlsx([["填空", "党成立于____年", None, None, None, None, None, None, 1921.0],
                              ["判断", "对吗", None, None, None, None, None, None, True]]))
    assert result.issues == []
    assert result.questions[0].accepted_answers == ["1921"]
    assert result.questions[1].answer_true is True


def test_multi_line_csv_cells_keep_record_numbers():
    rows = [row("判断", "第一行\n第二行", answer="对"), row("判断", "坏题", answer="？")]
    result = parse_csv(csv_bytes(rows))
    assert result.questions[0].stem == "第一行\n第二行"
    assert located(result)[0][:2] == (3, "答案")


@pytest.mark.parametrize("data, fragment", [
    (b"", "没有找到表头"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "不是文本格式"),
    (bytes(range(256)) * 4, ""),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "旧版 Excel"),
])
def test_non_spreadsheet_bytes_are_rejected_gracefully(data, fragment):
    for parse in (parse_csv, parse_xlsx):
        result = parse(data)
        assert not result.ok and result.questions == []
        assert all(isinstance(issue.message, str) and issue.message for issue in result.issues)
    assert fragment in parse_csv(data).issues[0].message


def test_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not excel")
    result = parse_xlsx(buffer.getvalue())
    assert located(result) == [(0, None, "无法打开 Excel 文件，文件可能已损坏或不是 .xlsx 格式")]
    assert parse_xlsx(b"plain text").issues[0].message == "文件不是有效的 Excel（.xlsx）文件"


def test_xlsx_uploaded_as_csv_is_still_read():
    assert parse_csv(xlsx(GOOD_ROWS)).questions == EXPECTED


def test_too_many_rows_is_an_error():
    rows = [row("判断", f"题{i}", answer="对") for i in range(MAX_DATA_ROWS + 1)]
    result = parse_csv(csv_bytes(rows))
    assert result.questions == []
    assert located(result) == [(MAX_DATA_ROWS + 2, None, "题目超过 5000 行，请拆分成多个文件分批导入")]
    assert len(parse_csv(csv_bytes(rows[:MAX_DATA_ROWS])).questions) == MAX_DATA_ROWS


def test_rows_far_below_the_data_are_refused_quickly():
    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.active.cell(row=60_000, column=1, value="判断")
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert located(parse_xlsx(buffer.getvalue())) == [
        (50_001, None, "文件行数过多（超过 50000 行），请删除多余的空行后再导入")]


# --- writing -----------------------------------------------------------------

def test_template_has_one_example_per_type_widths_and_dropdowns():
    data = template_xlsx()
    result = parse_xlsx(data)
    assert result.issues == []
    assert [q.kind for q in result.questions] == ["single", "multiple", "truefalse", "fill"]
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADER
    assert sheet.column_dimensions["B"].width == 50
    assert sheet.column_dimensions["C"].width == 20
    assert sheet.freeze_panes == "A2"
    assert {str(v.sqref) for v in sheet.data_validations.dataValidation} == {"A2:A5001", "K2:K5001"}
    assert workbook.sheetnames == ["题目", "填写说明"]


def test_write_csv_has_bom_and_defuses_formulas():
    q = QuestionData(kind="fill", stem="=1+1 是多少", accepted_answers=["-2", "'=x"])
    data = write_csv([q])
    assert data.startswith("\ufeff题型,题目".encode())
    assert "'=1+1 是多少" in data.decode("utf-8-sig")
    assert parse_csv(data).questions == [q]


def test_write_xlsx_stores_formula_like_text_as_text():
    q = QuestionData(kind="single", stem="=SUM(A1:A2)", options=["=1", "@2"], correct=[1])
    data = write_xlsx([q])
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet["B2"].data_type == "s" and sheet["B2"].value == "=SUM(A1:A2)"
    assert parse_xlsx(data).questions == [q]


cell_texts = st.text(st.one_of(st.sampled_from(list("=+-@'\",，、|; \n甲ABC")),
                               st.characters(categories=["L", "N", "P"])),
                     min_size=1, max_size=10).map(str.strip).filter(bool)
answer_texts = cell_texts.filter(lambda text: not any(sep in text for sep in "|｜;；"))
tag_texts = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=6)


@st.composite
def sheet_questions(draw):
    kind = draw(st.sampled_from(["single", "multiple", "truefalse", "fill"]))
    q = QuestionData(kind=kind, stem=draw(cell_texts), explanation=draw(st.just("") | cell_texts),
                     difficulty=draw(st.none() | st.sampled_from(DIFFICULTIES)),
                     tags=draw(st.lists(tag_texts, unique=True, max_size=3)))
    if kind in ("single", "multiple"):
        q.options = draw(st.lists(cell_texts, min_size=2, max_size=8, unique_by=normalise_for_comparison))
        indexes = st.integers(0, len(q.options) - 1)
        q.correct = [draw(indexes)] if kind == "single" else sorted(draw(st.sets(indexes, min_size=1)))
    elif kind == "truefalse":
        q.answer_true = draw(st.booleans())
    else:
        q.accepted_answers = draw(st.lists(answer_texts, min_size=1, max_size=3))
    return q


@settings(max_examples=60, deadline=None)
@given(st.lists(sheet_questions(), max_size=5))
def test_csv_round_trip(questions):
    result = parse_csv(write_csv(questions))
    assert result.questions == questions, result.issues


@settings(max_examples=25, deadline=None)
@given(st.lists(sheet_questions(), min_size=1, max_size=5))
def test_xlsx_round_trip(questions):
    result = parse_xlsx(write_xlsx(questions))
    assert result.questions == questions, result.issues


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data):
    for parse in (parse_csv, parse_xlsx):
        result = parse(data)
        assert all(issue.message for issue in result.issues)
