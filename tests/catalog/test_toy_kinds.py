"""A lesson kind and a question kind defined here, in the test alone, travel through
course packages, GIFT files and spreadsheets: the formats ask the kinds, they don't
know them. (Before the kinds owned their mappings, each of these failed: "prompt" was
an unknown front-matter key, and "{#1921}" an unsupported numerical question.)"""
import pytest

from mooc.catalog import kinds as lesson_kinds
from mooc.catalog import services
from mooc.catalog.packages import read_package
from mooc.catalog.packages.exporter import export_course
from mooc.catalog.packages.importer import import_and_commit
from mooc.quizzes import kinds as question_kinds
from mooc.quizzes.formats.common import FormatProblem, QuestionData
from mooc.quizzes.formats.gift import parse_gift, write_gift
from mooc.quizzes.formats.sheet import parse_csv, parse_xlsx, write_csv, write_xlsx
from tests.catalog_factories import make_course


class ReflectionLesson(lesson_kinds.LessonKind):
    """心得: the learner writes about a prompt; the package carries the prompt."""
    name = "reflection"
    label = "心得体会"
    icon = "思"
    template = "catalog/kinds/text.html"
    package_keys = ("prompt", "min_words")

    @classmethod
    def read_package_fields(cls, spec, front, check):
        spec.extra = {"prompt": check.text(front, "prompt", required=True),
                      "min_words": check.number(front, "min_words", minimum=0, default=0,
                                                integer=True)}

    @classmethod
    def package_front_matter(cls, spec, front):
        return {**front, **spec.extra}

    @classmethod
    def export_spec(cls, lesson, spec, media, remembered):
        spec.extra = dict((lesson.settings or {}).get("reflection") or {})

    @classmethod
    def import_content(cls, lesson, spec, root, actor):
        if (lesson.settings or {}).get("reflection") == spec.extra:
            return False
        services.update_lesson(lesson, actor, settings={**(lesson.settings or {}),
                                                       "reflection": dict(spec.extra)})
        return True


class NumberQuestion(question_kinds.QuestionKind):
    """数值题: one number; GIFT's "{#1921}", a sheet's 题型 "数值"."""
    name = "number"
    label_zh = "数值题"
    gift_priority = 40
    sheet_words = ("数值", "数值题")
    drawable = False

    @classmethod
    def _validate_answer(cls, q):
        if len(q.accepted_answers) != 1 or not q.accepted_answers[0].lstrip("-").isdigit():
            return ["数值题的答案必须是一个整数"]
        return []

    @classmethod
    def normalise_response(cls, raw, q=None):
        return str(int(raw))

    @classmethod
    def _score(cls, q, response, partial, lenient):
        return 1.0 if response == q.accepted_answers[0] else 0.0

    @classmethod
    def gift_matches(cls, answers):
        return answers.text.mask.startswith("#")

    @classmethod
    def from_gift(cls, q, answers):
        q.kind, q.accepted_answers = cls.name, [answers.text.text[1:].strip()]
        return q

    @classmethod
    def to_gift(cls, q):
        return [f"#{q.accepted_answers[0]}"]

    @classmethod
    def from_row(cls, q, row):
        answer = row.answer()
        if not answer.lstrip("-").isdigit():
            raise FormatProblem(f"数值题的答案“{answer}”不是整数", "答案")
        q.kind, q.accepted_answers = cls.name, [answer]

    @classmethod
    def to_row(cls, q):
        return [], q.accepted_answers[0]


@pytest.fixture
def toy_lesson_kind():
    with lesson_kinds.registered(ReflectionLesson):
        yield ReflectionLesson
    assert "reflection" not in lesson_kinds.KINDS


@pytest.fixture
def toy_question_kind():
    with question_kinds.registered(NumberQuestion):
        yield NumberQuestion
    assert "number" not in question_kinds.KINDS


def test_toy_lesson_kind_round_trips_through_a_course_package(app, db, toy_lesson_kind,
                                                              tmp_path):
    course = make_course("心得课程", lessons=1)
    services.create_lesson(course, None, chapter=course.chapters[0], title="学习心得",
                           kind="reflection", body="结合工作谈谈体会。", published=True,
                           settings={"reflection": {"prompt": "你的收获是什么？",
                                                    "min_words": 300}})
    db.session.commit()

    first = tmp_path / "first"
    export_course(course, first)
    lesson_file = next((first / "lessons").glob("*-xue-xi-xin-de.md")).read_text("utf-8")
    assert 'kind = "reflection"' in lesson_file and 'prompt = "你的收获是什么？"' in lesson_file
    package = read_package(first)
    assert package.errors == []
    reflection = package.package.lessons()[1]
    assert reflection.kind == "reflection"
    assert reflection.extra == {"prompt": "你的收获是什么？", "min_words": 300}

    # Import as a new course (another slug), then export that: the same package.
    toml = first / "course.toml"
    toml.write_text(toml.read_text("utf-8").replace(f'slug = "{course.slug}"',
                                                    'slug = "reflection-copy"'), "utf-8")
    summary = import_and_commit(first, check_videos=False)
    assert summary.created
    copy = summary.course
    imported = next(lesson for lesson in copy.lessons if lesson.kind == "reflection")
    assert imported.settings["reflection"] == {"prompt": "你的收获是什么？", "min_words": 300}
    second = tmp_path / "second"
    export_course(copy, second)
    assert read_package(second).package == read_package(first).package

    # And an unchanged re-import is recognised through the kind's own comparison.
    again = import_and_commit(first, check_videos=False)
    assert not again.changed


def test_toy_lesson_kind_reports_its_own_errors(app, toy_lesson_kind, tmp_path):
    course = make_course("心得课程二", lessons=1)
    services.create_lesson(course, None, chapter=course.chapters[0], title="学习心得",
                           kind="reflection", body="正文", published=True,
                           settings={"reflection": {"prompt": "收获", "min_words": 10}})
    folder = tmp_path / "pkg"
    export_course(course, folder)
    lesson_path = next((folder / "lessons").glob("*-xue-xi-xin-de.md"))
    lesson_path.write_text(lesson_path.read_text("utf-8").replace("min_words = 10",
                                                                  "min_words = -1"), "utf-8")
    text_path = next((folder / "lessons").glob("*-di-1-ke.md"))
    text_path.write_text(text_path.read_text("utf-8").replace('kind = "text"',
                                                              'kind = "text"\nprompt = "x"'),
                         "utf-8")
    errors = [str(error) for error in read_package(folder).errors]
    assert any("min_words" in error and lesson_path.name in error for error in errors), errors
    assert any("prompt 只能用于心得体会课时" in error for error in errors), errors


QUESTIONS = [
    QuestionData(kind="number", stem="中国共产党成立于哪一年？", accepted_answers=["1921"],
                 explanation="1921 年 7 月，党的一大召开。", tags=["党史"], difficulty="easy"),
    QuestionData(kind="single", stem="党的根本宗旨是？", options=["为人民服务", "发展经济"],
                 correct=[0]),
]


def test_toy_question_kind_round_trips_through_gift(toy_question_kind):
    text = write_gift(QUESTIONS)
    assert "\t#1921\n" in text
    result = parse_gift(text)
    assert result.issues == []
    assert result.questions == QUESTIONS


@pytest.mark.parametrize("write, parse", [(write_csv, parse_csv), (write_xlsx, parse_xlsx)])
def test_toy_question_kind_round_trips_through_a_sheet(toy_question_kind, write, parse):
    data = write(QUESTIONS)
    result = parse(data)
    assert result.issues == []
    assert result.questions == QUESTIONS


def test_toy_question_kind_errors_come_from_the_kind(toy_question_kind):
    rows = "题型,题目,答案\n数值,建党哪一年？,一九二一\n"
    result = parse_csv(rows.encode("utf-8"))
    assert [str(issue) for issue in result.issues] == ["第 2 行，答案：数值题的答案“一九二一”不是整数"]


def test_without_the_toy_kinds_the_formats_refuse_them():
    assert parse_gift("建党哪一年？ {#1921}").questions == []
    result = parse_csv("题型,题目,答案\n数值,建党哪一年？,1921\n".encode("utf-8"))
    assert "无法识别的题型“数值”" in str(result.issues[0])
