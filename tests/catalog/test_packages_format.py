"""Course package format: reading, validation errors, writing, round trips.

Pure tests: no app, no database.  Broken packages are built in tmp_path
from a small valid one, so each test shows exactly what it breaks.
"""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from mooc.catalog.packages import (
    ChapterSpec,
    CoursePackage,
    LessonSpec,
    MediaPathError,
    PackageWriteError,
    QuizSpec,
    disk_media_source,
    local_targets,
    read_package,
    resolve_media,
    rewrite_targets,
    write_package,
)
from mooc.catalog.packages.format import quiz_settings
from mooc.quizzes.formats.common import QuestionData

COURSES = Path(__file__).resolve().parents[2] / "courses"
DEMOS = ["hulianwang-dangjian", "yubei-dangyuan-dangzhang"]

COURSE_TOML = """\
slug = "demo"
title = "示例课程"
category = "党规党纪"
type = "required"
credit_hours = 1.5
cover = "media/cover.png"
owners = ["teacher"]

[visibility]
orgs = ["机关党委/第一党支部"]
categories = ["预备党员"]

[[chapters]]
slug = "intro"
title = "第一章"
lessons = ["welcome", "clip"]

[[chapters]]
slug = "check"
title = "第二章"
lessons = ["quiz"]
"""

WELCOME = """\
+++
title = "欢迎"
kind = "text"
min_reading_minutes = 2
+++

# 欢迎

![图](../media/a.png)

下载 [模板](media/a.png)。
"""

CLIP = """\
+++
title = "短片"
kind = "video"
video = "media/clip.mp4"
captions = "media/clip.vtt"
+++
"""

QUIZ = """\
+++
title = "测验"
kind = "quiz"
questions = "quizzes/q.gift"
pass_mark = 80
+++

认真作答。
"""

GIFT = """\
::q1:: 党的最高理想是？ {=共产主义 ~小康 ####见党章总纲。}

::q2:: 预备期一年。 {T}
"""

VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n字幕\n"


def make_package(root: Path, overrides: dict[str, str | None] | None = None) -> Path:
    """A small valid package; ``overrides`` replace files (None removes one)."""
    files = {
        "course.toml": COURSE_TOML,
        "lessons/01-welcome.md": WELCOME,
        "lessons/02-clip.md": CLIP,
        "lessons/03-quiz.md": QUIZ,
        "quizzes/q.gift": GIFT,
        "media/clip.vtt": VTT,
    }
    binary = {"media/cover.png": b"\x89PNG fake", "media/a.png": b"\x89PNG a", "media/clip.mp4": b"mp4"}
    files.update(overrides or {})
    for name, text in files.items():
        if text is not None:
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for name, data in binary.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def errors_of(root: Path) -> list[tuple[str, int | None, str]]:
    result = read_package(root)
    assert result.package is None, "a broken package must not be returned"
    assert result.errors
    return [(e.file, e.line, e.message_zh) for e in result.errors]


def find(errors, file: str, text: str):
    matches = [e for e in errors if e[0] == file and text in e[2]]
    assert matches, f"no error in {file} containing {text!r}: {errors}"
    return matches[0]


# --------------------------------------------------------------------------
# Demo packages
# --------------------------------------------------------------------------

@pytest.mark.parametrize("slug", DEMOS)
def test_demo_package_reads_without_errors(slug):
    result = read_package(COURSES / slug)
    assert result.errors == []
    package = result.package
    assert package.slug == slug and package.owners == ["teacher"]
    lessons = package.lessons()
    assert len(lessons) >= 5
    kinds = [lesson.kind for lesson in lessons]
    assert kinds.count("video") >= 1 and kinds.count("quiz") >= 1
    video = next(lesson for lesson in lessons if lesson.kind == "video")
    assert video.video.endswith(".mp4") and video.captions.endswith(".vtt")
    quiz = next(lesson for lesson in lessons if lesson.kind == "quiz").quiz
    assert len(quiz.questions) >= 8
    assert {q.kind for q in quiz.questions} == {"single", "multiple", "truefalse", "fill"}
    assert all(q.explanation for q in quiz.questions)
    text = [lesson for lesson in lessons if lesson.kind == "text"]
    assert any("| --- |" in lesson.body_markdown for lesson in text)
    assert all(200 <= len(lesson.body_markdown) <= 2500 for lesson in text)


def test_demo_visibility():
    open_course = read_package(COURSES / "hulianwang-dangjian").package
    assert open_course.visibility_orgs == [] and open_course.visibility_categories == []
    restricted = read_package(COURSES / "yubei-dangyuan-dangzhang").package
    assert restricted.visibility_categories == ["probationary", "candidate", "activist"]


@pytest.mark.parametrize("slug", DEMOS)
def test_demo_assets_are_small(slug):
    root = COURSES / slug
    sizes = {p.relative_to(root).as_posix(): p.stat().st_size for p in root.rglob("*") if p.is_file()}
    assert sizes["media/cover.jpg"] < 100 * 1024
    assert all(size < 2 * 1024 * 1024 for name, size in sizes.items() if name.endswith(".mp4"))
    assert sum(sizes.values()) < 2.5 * 1024 * 1024  # both demos together stay under 5 MB


@pytest.mark.parametrize("slug", DEMOS)
def test_demo_package_is_in_canonical_form(slug, tmp_path):
    """Exporting a demo gives back its files byte for byte."""
    source = COURSES / slug
    written = write_package(read_package(source).package, tmp_path / slug, disk_media_source(source))
    on_disk = sorted(p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file())
    assert written == on_disk
    for name in written:
        assert (tmp_path / slug / name).read_bytes() == (source / name).read_bytes(), name


# --------------------------------------------------------------------------
# The small package
# --------------------------------------------------------------------------

def test_small_package_reads(tmp_path):
    result = read_package(make_package(tmp_path / "demo"))
    assert result.errors == []
    package = result.package
    assert package.course_type == "required" and package.credit_hours == 1.5
    assert package.category == "rules"  # the Chinese label maps to the catalogue key
    assert package.visibility_orgs == ["机关党委/第一党支部"]
    assert package.visibility_categories == ["probationary"]
    assert [c.slug for c in package.chapters] == ["intro", "check"]
    welcome, clip = package.chapters[0].lessons
    assert welcome.min_reading_seconds == 120 and welcome.required is True
    assert welcome.body_markdown.startswith("# 欢迎") and welcome.source_file == "lessons/01-welcome.md"
    assert clip.video == "media/clip.mp4" and clip.captions == "media/clip.vtt"
    quiz = package.chapters[1].lessons[0].quiz
    assert quiz.settings["pass_mark"] == 80 and quiz.settings["show_feedback"] == "after_submit"
    assert [q.kind for q in quiz.questions] == ["single", "truefalse"]
    assert package.media_files() == ["media/a.png", "media/clip.mp4", "media/clip.vtt", "media/cover.png"]


def test_lesson_reference_by_file_stem_and_chapter_without_list(tmp_path):
    toml = COURSE_TOML.replace('lessons = ["welcome", "clip"]', 'lessons = ["01-welcome"]')
    toml = toml.replace('lessons = ["quiz"]\n', "")
    root = make_package(tmp_path / "demo", {"course.toml": toml})
    for name, chapter in (("02-clip.md", "check"), ("03-quiz.md", "check")):
        path = root / "lessons" / name
        path.write_text(path.read_text("utf-8").replace('kind =', f'chapter = "{chapter}"\nkind ='), "utf-8")
    package = read_package(root).package
    assert [lesson.slug for lesson in package.chapters[0].lessons] == ["welcome"]
    assert [lesson.slug for lesson in package.chapters[1].lessons] == ["clip", "quiz"]


# --------------------------------------------------------------------------
# Errors, each with file and line
# --------------------------------------------------------------------------

def test_bad_toml_in_course_file_has_line(tmp_path):
    toml = COURSE_TOML.replace('title = "示例课程"', "title = 示例课程")
    errors = errors_of(make_package(tmp_path / "demo", {"course.toml": toml}))
    assert find(errors, "course.toml", "TOML 格式错误")[1] == 2
    assert len(errors) == 1  # nothing else can be checked in course.toml


def test_bad_toml_in_front_matter_has_file_line(tmp_path):
    lesson = WELCOME.replace('kind = "text"', 'kind = "text"\nrequired = yes')
    errors = errors_of(make_package(tmp_path / "demo", {"lessons/01-welcome.md": lesson}))
    # line 1 "+++", 2 title, 3 kind, 4 required
    assert find(errors, "lessons/01-welcome.md", "TOML 格式错误")[1] == 4


def test_missing_front_matter(tmp_path):
    errors = errors_of(make_package(tmp_path / "demo", {"lessons/01-welcome.md": "# 没有设置\n"}))
    assert find(errors, "lessons/01-welcome.md", "+++")[1] == 1


def test_missing_referenced_media_names_file_and_line(tmp_path):
    root = make_package(tmp_path / "demo")
    (root / "media/clip.mp4").unlink()
    (root / "media/a.png").unlink()
    errors = errors_of(root)
    assert find(errors, "lessons/02-clip.md", "media/clip.mp4")[1] == 4
    body_errors = [e for e in errors if e[0] == "lessons/01-welcome.md"]
    assert [line for _, line, _ in body_errors] == [9, 11]  # the image, then the link


def test_missing_cover_and_attachment(tmp_path):
    toml = COURSE_TOML.replace("media/cover.png", "media/nope.png")
    lesson = WELCOME.replace("min_reading_minutes = 2",
                             'min_reading_minutes = 2\nattachments = ["media/x.pdf"]')
    errors = errors_of(make_package(tmp_path / "demo", {"course.toml": toml,
                                                       "lessons/01-welcome.md": lesson}))
    assert find(errors, "course.toml", "封面图片")[1] == 6
    assert find(errors, "lessons/01-welcome.md", "media/x.pdf")[1] == 5


def test_body_image_must_be_a_web_format(tmp_path):
    root = make_package(tmp_path / "demo",
                        {"lessons/01-welcome.md": WELCOME.replace("a.png", "diagram.emf")})
    (root / "media/diagram.emf").write_bytes(b"emf")
    errors = errors_of(root)
    assert find(errors, "lessons/01-welcome.md", "格式不能在网页中显示")[1] == 9
    assert len(errors) == 1  # line 11 links to the same file: a link may point at any file


def test_a_broken_lesson_does_not_cascade(tmp_path):
    """A lesson whose front matter fails is still known to the chapter list."""
    errors = errors_of(make_package(tmp_path / "demo", {"lessons/02-clip.md": "+++\ntitle = \n+++\n"}))
    assert [(file, line) for file, line, _ in errors] == [("lessons/02-clip.md", 2)]


def test_bad_gift_question_reported_in_quiz_file(tmp_path):
    gift = GIFT + "\n::q3:: 没有正确答案 {~甲 ~乙}\n"
    errors = errors_of(make_package(tmp_path / "demo", {"quizzes/q.gift": gift}))
    assert find(errors, "quizzes/q.gift", "没有正确答案")[1] == 5


def test_unsupported_gift_question_is_an_error(tmp_path):
    errors = errors_of(make_package(tmp_path / "demo", {"quizzes/q.gift": GIFT + "\n问答题 {}\n"}))
    assert find(errors, "quizzes/q.gift", "不支持的题型")[1] == 5


def test_duplicate_lesson_slug(tmp_path):
    root = make_package(tmp_path / "demo")
    (root / "lessons/04-welcome.md").write_text(WELCOME, "utf-8")
    errors = errors_of(root)
    assert find(errors, "lessons/04-welcome.md", "与 lessons/01-welcome.md 重复")


def test_path_escaping_the_package(tmp_path):
    clip = CLIP.replace("media/clip.mp4", "../../etc/passwd.mp4")
    welcome = WELCOME.replace("../media/a.png", "../../../etc/passwd")
    errors = errors_of(make_package(tmp_path / "demo", {"lessons/02-clip.md": clip,
                                                       "lessons/01-welcome.md": welcome}))
    assert find(errors, "lessons/02-clip.md", "课程包之外")[1] == 4
    assert find(errors, "lessons/01-welcome.md", "课程包之外")[1] == 9


def test_symlink_out_of_the_package_is_refused(tmp_path):
    outside = tmp_path / "secret.mp4"
    outside.write_bytes(b"x")
    root = make_package(tmp_path / "demo")
    (root / "media/clip.mp4").unlink()
    os.symlink(outside, root / "media/clip.mp4")
    assert find(errors_of(root), "lessons/02-clip.md", "课程包之外")[1] == 4


def test_symlinked_lesson_file_out_of_the_package_is_refused(tmp_path):
    outside = tmp_path / "secret.md"
    outside.write_text(WELCOME, "utf-8")
    root = make_package(tmp_path / "demo", {"lessons/01-welcome.md": None})
    os.symlink(outside, root / "lessons/01-welcome.md")
    assert find(errors_of(root), "lessons/01-welcome.md", "课程包之外")


def test_unknown_kind_key_and_slug(tmp_path):
    lesson = WELCOME.replace('kind = "text"', 'kind = "vidoe"\npass_mrak = 3')
    root = make_package(tmp_path / "demo", {"lessons/01-welcome.md": lesson})
    (root / "lessons/01-welcome.md").rename(root / "lessons/01-Welcome_Page.md")
    errors = errors_of(root)
    assert find(errors, "lessons/01-Welcome_Page.md", "未知的课时类型")[1] == 3
    assert find(errors, "lessons/01-Welcome_Page.md", "pass_mrak")[1] == 4
    assert find(errors, "lessons/01-Welcome_Page.md", "课时标识")
    # The chapter list still names "welcome", which no file provides now.
    assert find(errors, "course.toml", "“welcome”不存在")[1] == 16


def test_chapter_reference_problems(tmp_path):
    toml = COURSE_TOML.replace('lessons = ["quiz"]', 'lessons = [\n    "welcome",\n    "nope",\n]')
    errors = errors_of(make_package(tmp_path / "demo", {"course.toml": toml}))
    assert find(errors, "course.toml", "被多次引用")[1] == 22
    assert find(errors, "course.toml", "“nope”不存在")[1] == 23
    assert find(errors, "lessons/03-quiz.md", "没有被任何章节引用")


def test_course_field_errors_are_all_reported(tmp_path):
    toml = (COURSE_TOML.replace('type = "required"', 'type = "必修课"')
            .replace('category = "党规党纪"', 'category = "党建"')
            .replace("credit_hours = 1.5", "credit_hours = -1")
            .replace('categories = ["预备党员"]', 'categories = ["预备党员", "党外人士"]')
            .replace('slug = "intro"', 'slug = "Intro Chapter"'))
    errors = errors_of(make_package(tmp_path / "demo", {"course.toml": toml}))
    assert find(errors, "course.toml", "课程分类")[1] == 3
    assert find(errors, "course.toml", "课程类型")[1] == 4
    assert find(errors, "course.toml", "credit_hours")[1] == 5
    assert find(errors, "course.toml", "党外人士")[1] == 11
    assert find(errors, "course.toml", "章节标识")[1] == 14


def test_quiz_settings_and_draw_pool(tmp_path):
    quiz = QUIZ.replace("pass_mark = 80", 'pass_mark = 120\nshow_feedback = "always"\n'
                        'draw = [{ kind = "single", count = 5 }]')
    errors = errors_of(make_package(tmp_path / "demo", {"lessons/03-quiz.md": quiz}))
    assert find(errors, "lessons/03-quiz.md", "pass_mark")[1] == 5
    assert find(errors, "lessons/03-quiz.md", "show_feedback")[1] == 6
    assert find(errors, "lessons/03-quiz.md", "题库中只有 1 道")[1] == 7


def test_quiz_keys_on_text_lesson_and_missing_video(tmp_path):
    welcome = WELCOME.replace('kind = "text"', 'kind = "text"\npass_mark = 60')
    clip = CLIP.replace('video = "media/clip.mp4"\n', "")
    errors = errors_of(make_package(tmp_path / "demo", {"lessons/01-welcome.md": welcome,
                                                       "lessons/02-clip.md": clip}))
    assert find(errors, "lessons/01-welcome.md", "只能用于测验课时")[1] == 4
    assert find(errors, "lessons/02-clip.md", "必须用 video")[1] == 3


def test_bad_captions_line(tmp_path):
    vtt = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n字幕\n\n00:00:05 --> 坏了\n第二条\n"
    errors = errors_of(make_package(tmp_path / "demo", {"media/clip.vtt": vtt}))
    assert find(errors, "media/clip.vtt", "")[1] == 6


def test_missing_course_file_still_checks_lessons(tmp_path):
    clip = CLIP.replace("clip.mp4", "gone.mp4")
    root = make_package(tmp_path / "demo", {"course.toml": None, "lessons/02-clip.md": clip})
    errors = errors_of(root)
    assert find(errors, "course.toml", "缺少 course.toml")
    assert find(errors, "lessons/02-clip.md", "gone.mp4")


def test_error_string_has_location():
    from mooc.catalog.packages import PackageError

    assert str(PackageError("lessons/01-a.md", 3, "问题")) == "lessons/01-a.md 第 3 行：问题"
    assert str(PackageError("course.toml", None, "问题")) == "course.toml：问题"


# --------------------------------------------------------------------------
# Paths and Markdown references
# --------------------------------------------------------------------------

def test_resolve_media_stays_inside(tmp_path):
    root = tmp_path / "pkg"
    root.mkdir()
    assert resolve_media(root, "media/./a.png") == (root / "media/a.png").resolve()
    assert resolve_media(root, "lessons/../media/a.png") == (root / "media/a.png").resolve()
    for bad in ("../x", "media/../../x", "/etc/passwd", "C:/x", "media\\a.png", ""):
        with pytest.raises(MediaPathError):
            resolve_media(root, bad)


def test_local_targets_skip_code_and_urls():
    markdown = textwrap.dedent("""\
        ![a](../media/a.png) [b](https://example.com) [c](#top) ![d](/static/x.png)
        `![e](media/e.png)`

        ```
        ![f](media/f.png)
        ```

        [g]: <media/g 1.pdf>
        见[第二课](02-next.md "标题")，[注](不是 链接)
        """)
    refs = [(r.line, r.package_path) for r in local_targets(markdown)]
    assert refs == [(0, "media/a.png"), (7, "media/g 1.pdf"), (8, "lessons/02-next.md")]


def test_rewrite_targets():
    markdown = "![a](../media/a.png) 和 [b](media/b%20c.pdf)\n`[x](media/a.png)`"
    rewritten = rewrite_targets(markdown, lambda ref: f"/m/{ref.package_path}")
    assert rewritten == "![a](/m/media/a.png) 和 [b](</m/media/b c.pdf>)\n`[x](media/a.png)`"


# --------------------------------------------------------------------------
# Writing and round trips
# --------------------------------------------------------------------------

def sample_package() -> CoursePackage:
    questions = [
        QuestionData(kind="single", stem="党的根本宗旨是？", options=["全心全意为人民服务", "发展经济"],
                     correct=[0], explanation="见党章总纲。", tags=["宗旨"], difficulty="easy"),
        QuestionData(kind="multiple", stem="属于党的纪律的有？", options=["政治纪律", "组织纪律", "娱乐纪律"],
                     correct=[0, 1], tags=["纪律"]),
        QuestionData(kind="truefalse", stem="预备期为一年。", answer_true=True),
        QuestionData(kind="fill", stem="党龄从____之日算起。", accepted_answers=["转正", "转为正式党员"]),
    ]
    settings = quiz_settings({"pass_mark": 75, "max_attempts": 2,
                              "draw": [{"kind": "single", "count": 1, "tags": ["宗旨"]}]})
    return CoursePackage(
        slug="round-trip", title="往返测试", summary="第一行\n第二行", category="rules",
        course_type="required", credit_hours=2.5, cover="media/cover.png",
        visibility_orgs=["机关党委"], visibility_categories=["probationary", "activist"],
        no_skip_ahead=True, owners=["teacher", "admin"],
        chapters=[
            ChapterSpec("one", "第一章", [
                LessonSpec("intro", "导言", body_markdown="# 导言\n\n![图](../media/pic.png)",
                           min_reading_seconds=100, attachments=["media/guide.pdf"]),
                LessonSpec("film", "影片", kind="video", required=False, video="media/film.mp4",
                           captions="media/film.vtt", body_markdown="观看影片。"),
            ]),
            ChapterSpec("two", "第二章", [
                LessonSpec("test", "测验", kind="quiz", body_markdown="",
                           quiz=QuizSpec("quizzes/test.gift", questions, settings)),
            ]),
        ],
    )


MEDIA = {"media/cover.png": b"cover", "media/pic.png": b"pic", "media/guide.pdf": b"%PDF",
         "media/film.mp4": b"film", "media/film.vtt": VTT.encode()}


def test_round_trip_write_read_equal(tmp_path):
    package = sample_package()
    written = write_package(package, tmp_path / "a", MEDIA.get)
    assert "lessons/01-intro.md" in written and "quizzes/test.gift" in written
    result = read_package(tmp_path / "a")
    assert result.errors == []
    assert result.package == package


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_rewriting_a_read_package_gives_identical_files(tmp_path):
    write_package(sample_package(), tmp_path / "a", MEDIA.get)
    again = read_package(tmp_path / "a").package
    write_package(again, tmp_path / "b", disk_media_source(tmp_path / "a"))
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_hand_written_package_round_trips(tmp_path):
    root = make_package(tmp_path / "demo")
    first = read_package(root).package
    write_package(first, tmp_path / "out", disk_media_source(root))
    second = read_package(tmp_path / "out")
    assert second.errors == [] and second.package == first
    # The hand-written GIFT file is kept as written (it still parses to the same questions).
    assert (tmp_path / "out/quizzes/q.gift").read_text("utf-8") == GIFT


def test_write_refuses_missing_media_and_existing_folder(tmp_path):
    with pytest.raises(PackageWriteError, match="media/cover.png"):
        write_package(sample_package(), tmp_path / "a", lambda path: None)
    assert not (tmp_path / "a").exists()
    write_package(sample_package(), tmp_path / "a", MEDIA.get)
    with pytest.raises(PackageWriteError):
        write_package(sample_package(), tmp_path / "a", MEDIA.get)
    (tmp_path / "a/stale.txt").write_text("old")
    write_package(sample_package(), tmp_path / "a", MEDIA.get, overwrite=True)
    assert not (tmp_path / "a/stale.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["a"]  # no staging leftovers


def test_export_over_the_package_it_was_read_from(tmp_path):
    root = make_package(tmp_path / "demo")
    write_package(read_package(root).package, root, disk_media_source(root), overwrite=True)
    canonical = tree(root)
    write_package(read_package(root).package, root, disk_media_source(root), overwrite=True)
    assert tree(root) == canonical and read_package(root).errors == []
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]


def test_write_refuses_paths_outside_package(tmp_path):
    package = sample_package()
    package.cover = "../../evil.png"
    with pytest.raises(PackageWriteError):
        write_package(package, tmp_path / "a", lambda path: b"x")
    assert not (tmp_path / "evil.png").exists()


def test_documented_example_is_a_valid_package(tmp_path):
    """The complete example in docs/course-package.md reads without errors."""
    import re

    doc = (Path(__file__).resolve().parents[2] / "docs/course-package.md").read_text("utf-8")
    files = re.findall(r"^`courses/demo/([^`]+)`\n\n```[a-z]*\n(.*?)^```$", doc, re.S | re.M)
    assert {name for name, _ in files} >= {"course.toml", "lessons/01-welcome.md", "quizzes/quiz.gift"}
    root = tmp_path / "demo"
    for name, text in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, "utf-8")
    (root / "media").mkdir()
    for name in ("cover.png", "flow.png", "guide.pdf", "clip.mp4"):
        (root / "media" / name).write_bytes(b"x")
    (root / "media/clip.vtt").write_text(VTT, "utf-8")
    result = read_package(root)
    assert result.errors == []
    assert [len(chapter.lessons) for chapter in result.package.chapters] == [2, 1]


def test_toml_nested_thousands_deep_is_a_clear_error_not_a_crash():
    from mooc.catalog.packages.tomlpos import parse_toml
    data, line, message = parse_toml("x = " + "[" * 5000 + "]" * 5000)
    assert data is None and "嵌套" in message
