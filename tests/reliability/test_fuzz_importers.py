"""Every importer, fed random and hostile files, answers only in its documented way.

* roster (`parse_roster`), GIFT (`parse_gift`), Excel/CSV banks (`parse_xlsx`,
  `parse_csv`) and course packages (`read_package`) never raise for bad input: their
  problems are listed in the result;
* captions (`parse_captions`) raise `CaptionError` (with a Chinese message) and nothing else.

Inputs are built to get past the first checks: real headers and keywords mixed with
garbage, real .xlsx files with random cells, the demo course package with random damage.
"""
import io
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.reliability import fuzz_settings

pytestmark = pytest.mark.fuzz
ROOT = Path(__file__).resolve().parents[2]

HOSTILE_WORDS = ["", " ", "\x00", "\ufeff", "\u202e", "\r\n", "\t", "=1+1", "=HYPERLINK(\"x\")",
                 "@SUM(A1)", "../../etc/passwd", "<script>alert(1)</script>", "' OR 1=1 --",
                 "9" * 40, "-1", "1e309", "NaN", "𠀀𠀁", "党" * 300, "A" * 5000]
hostile_text = st.one_of(st.text(max_size=60), st.sampled_from(HOSTILE_WORDS))


def cells(words):
    return st.one_of(st.sampled_from(words), hostile_text, st.integers(-10 ** 20, 10 ** 20),
                     st.floats(allow_nan=True, allow_infinity=True), st.none(), st.booleans())


def rows_of(words, max_rows=8, max_cols=10):
    return st.lists(st.lists(cells(words), max_size=max_cols), max_size=max_rows)


def csv_bytes(rows, encoding):
    text = "\n".join(",".join("" if c is None else str(c).replace(",", "，") for c in row)
                     for row in rows)
    return text.encode(encoding, "replace")


def xlsx_bytes(rows):
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    for row in rows:
        clean = []
        for cell in row:
            if isinstance(cell, str):
                cell = "".join(ch for ch in cell if ch >= " " or ch in "\t\n")[:3000]
            if isinstance(cell, float) and (cell != cell or cell in (float("inf"), float("-inf"))):
                cell = str(cell)
            clean.append(cell)
        sheet.append(clean)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def spreadsheet_files(words):
    """(kind, bytes): CSV in UTF-8/GBK, real .xlsx, or plain garbage (maybe zip-looking)."""
    return st.one_of(
        st.tuples(st.just("csv"), st.builds(csv_bytes, rows_of(words),
                                            st.sampled_from(["utf-8", "utf-8-sig", "gbk"]))),
        st.tuples(st.just("xlsx"), rows_of(words).map(xlsx_bytes)),
        st.tuples(st.sampled_from(["csv", "xlsx"]), st.binary(max_size=2048)),
        st.tuples(st.just("xlsx"), st.binary(max_size=512).map(lambda b: b"PK\x03\x04" + b)),
        st.tuples(st.just("xlsx"), st.binary(max_size=512).map(
            lambda b: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b)),
    )


# ---------------------------------------------------------------------------- roster

ROSTER_WORDS = ["姓名", "账号", "手机号", "所属组织", "政治面貌", "角色", "正式党员", "预备党员",
                "学员", "管理员", "支部书记", "第一党支部", "13800138000", "zhangsan", "张三"]


@fuzz_settings()
@given(file=spreadsheet_files(ROSTER_WORDS),
       filename=st.one_of(st.sampled_from(["名册.xlsx", "roster.csv", "名册.xls", "a.txt", ""]),
                          st.text(max_size=40)))
def test_roster_parser_never_raises(app, file, filename):
    from mooc.accounts.roster import parse_roster
    kind, data = file
    if filename in ("", "名册.xlsx", "roster.csv"):
        filename = f"名册.{kind}"
    preview = parse_roster(filename, data)
    assert isinstance(preview.errors, list)
    for error in preview.errors:
        assert str(error)  # every problem has a message for the admin


# ---------------------------------------------------------------------------- question banks

GIFT_TOKENS = ["::", "::题名::", "{", "}", "=", "~", "#", "####", "%50%", "%-100%", "%abc%",
               "TRUE", "FALSE", "T", "F", "\n\n", "\n", "//", "// 注释\n", "$CATEGORY: 党章\n",
               "[html]", "[markdown]", "[plain]", "\\{", "\\}", "\\=", "\\~", "\\", "->", "=%100%",
               "{#", "1:2", "..", "题干", "答案", "共产主义", "<b>粗</b>", "<img src=x>"]
gift_text = st.lists(st.one_of(st.sampled_from(GIFT_TOKENS), hostile_text), max_size=40) \
    .map("".join)


@fuzz_settings()
@given(text=st.one_of(gift_text, gift_text.map(lambda t: t.encode("gbk", "replace")),
                      st.binary(max_size=1024)))
def test_gift_parser_never_raises(text):
    from mooc.quizzes.formats.gift import parse_gift
    result = parse_gift(text)
    assert isinstance(result.questions, list) and isinstance(result.issues, list)


SHEET_WORDS = ["题型", "题目", "答案", "解析", "难度", "标签", "选项A", "选项B", "选项C", "A", "B",
               "单选", "多选", "判断", "填空", "单选题", "对", "错", "AB", "A,B", "易", "难",
               "党章|党纲", "共产主义", "第一题"]


@fuzz_settings()
@given(file=spreadsheet_files(SHEET_WORDS))
def test_question_sheet_parsers_never_raise(file):
    from mooc.quizzes.formats.sheet import parse_csv, parse_xlsx
    kind, data = file
    result = parse_xlsx(data) if kind == "xlsx" else parse_csv(data)
    assert isinstance(result.questions, list) and isinstance(result.issues, list)
    # Either parser must also survive the other's files (a renamed upload).
    other = parse_csv(data) if kind == "xlsx" else parse_xlsx(data)
    assert isinstance(other.issues, list)


# ---------------------------------------------------------------------------- captions

CAPTION_TOKENS = ["WEBVTT", "WEBVTT\n\n", "1\n", "-->", " --> ", "00:00:01.000", "00:00:02,500",
                  "00:01.000", "99:99:99.999", "-00:00:01.000", "00:00:00.000 --> 00:00:00.000",
                  "\n\n", "\n", "NOTE 注释", "STYLE", "REGION", "<b>", "</b>", "<c.red>",
                  "align:start", "position:10%", "字幕", "\r\n"]
caption_text = st.lists(st.one_of(st.sampled_from(CAPTION_TOKENS), hostile_text), max_size=40) \
    .map("".join)


@fuzz_settings()
@given(source=st.one_of(caption_text,
                        caption_text.map(lambda t: t.encode("utf-16", "replace")),
                        caption_text.map(lambda t: t.encode("gbk", "replace")),
                        st.binary(max_size=1024)))
def test_caption_parser_raises_only_caption_error(source):
    from mooc.video.captions import CaptionError, parse_captions
    try:
        cues = parse_captions(source)
    except CaptionError as exc:
        assert exc.message
    else:
        assert isinstance(cues, list)


# ---------------------------------------------------------------------------- course packages

DEMO_PACKAGE = ROOT / "courses" / "yubei-dangyuan-dangzhang"
PACKAGE_NAMES = ["course.toml", "lessons/01-a.md", "lessons/02-b.md", "lessons/x.txt",
                 "media/cover.jpg", "media/a.png", "quizzes/q.gift", "quizzes/q.csv",
                 "quizzes/q.xlsx", "lessons/03-视频.md", "media/v.mp4", "media/c.vtt"]
TOML_TOKENS = ["title = ", "\"标题\"", "[[chapters]]", "lessons = [", "]", "kind = \"quiz\"",
               "kind = \"video\"", "video = \"media/v.mp4\"", "quiz = \"quizzes/q.gift\"",
               "+++", "---", "\n", "= ", "\"../../etc/passwd\"", "\"/abs\"", "[course]", "'''",
               "visibility = \"orgs\"", "orgs = [\"不存在\"]", "cover = \"media/cover.jpg\""]
toml_like = st.lists(st.one_of(st.sampled_from(TOML_TOKENS), hostile_text), max_size=30) \
    .map("".join)
file_content = st.one_of(toml_like.map(lambda t: t.encode("utf-8", "replace")),
                         st.binary(max_size=512))


@st.composite
def damaged_package(draw):
    """The demo package with random damage: files replaced, cut, removed or added."""
    edits = draw(st.lists(st.tuples(
        st.sampled_from(["replace", "truncate", "delete", "add", "splice"]),
        st.integers(0, 10 ** 6), st.one_of(st.sampled_from(PACKAGE_NAMES),
                                           st.text(min_size=1, max_size=20)),
        file_content), min_size=1, max_size=6))
    return edits


def _apply(root, edits):
    files = sorted(p for p in root.rglob("*") if p.is_file())
    for action, pick, name, content in edits:
        target = files[pick % len(files)] if files else None
        if action == "add" or target is None:
            safe = "".join(ch for ch in name if ch not in "\x00/\\") or "x"
            sub = name.split("/", 1)[0] if "/" in name and name.split("/", 1)[0] in (
                "lessons", "media", "quizzes") else ""
            path = root / sub / safe[:60] if sub else root / safe[:60]
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
            except OSError:
                pass  # a name the filesystem refuses is not the reader's problem
        elif action == "replace":
            target.write_bytes(content)
        elif action == "truncate":
            data = target.read_bytes()
            target.write_bytes(data[:pick % (len(data) + 1)])
        elif action == "delete":
            target.unlink()
            files.remove(target)
        elif action == "splice":
            data = target.read_bytes()
            at = pick % (len(data) + 1)
            target.write_bytes(data[:at] + content + data[at:])


@fuzz_settings()
@given(edits=damaged_package())
def test_package_reader_never_raises_on_a_damaged_package(app, tmp_path_factory, edits):
    from mooc.catalog.packages import read_package
    if not DEMO_PACKAGE.is_dir():
        pytest.skip("demo course package not found")
    root = tmp_path_factory.mktemp("pkg") / "course"
    shutil.copytree(DEMO_PACKAGE, root)
    _apply(root, edits)
    result = read_package(root)
    assert (result.package is None) == bool(result.errors)
    for error in result.errors:
        assert error.message_zh


@fuzz_settings(scale=0.5)
@given(files=st.dictionaries(st.sampled_from(PACKAGE_NAMES), file_content, max_size=6))
def test_package_reader_never_raises_on_a_random_folder(app, tmp_path_factory, files):
    from mooc.catalog.packages import read_package
    root = tmp_path_factory.mktemp("pkg") / "course"
    root.mkdir()
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    result = read_package(root)
    assert result.package is None and result.errors or result.package is not None
