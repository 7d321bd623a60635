"""The course package data model: what a course folder holds once read.

A course package is a folder (kept in git, zipped to move between
deployments) described in docs/course-package.md:

    course.toml               course settings and the ordered chapter list
    lessons/NN-<slug>.md      one lesson per file, TOML front matter + Markdown
    media/…                   cover, images, videos, captions, attachments
    quizzes/….gift|.xlsx|.csv question banks used by quiz lessons

Everything here is plain data with no database, so the reader, the writer,
the importer and the exporter all speak the same types.  What a lesson kind
adds (a video, a quiz…) is read and written by its LessonKind class
(mooc/catalog/kinds.py); LessonSpec carries it.  All paths stored in these
dataclasses are package-relative POSIX paths ("media/cover.jpg"), never
absolute ones; paths.py checks and resolves them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mooc.catalog.kinds import kind_for
from mooc.catalog.packages.markdown_refs import local_targets
from mooc.catalog.packages.paths import (  # noqa: F401  (the documented home of these names)
    COURSE_FILE,
    IMAGE_SUFFIXES,
    LESSON_FILE_RE,
    LESSONS_DIR,
    MAX_SLUG_LENGTH,
    MEDIA_DIR,
    QUIZZES_DIR,
    SLUG_RE,
    MediaPathError,
    is_valid_slug,
    normalise_package_path,
    resolve_media,
)
from mooc.quizzes.formats.common import QuestionData

COURSE_TYPES = ("required", "elective")
COURSE_TYPE_ALIASES = {"required": "required", "必修": "required",
                       "elective": "elective", "选修": "elective"}
# Catalogue categories: the keys of catalog.models.COURSE_CATEGORIES (which
# needs Flask, hence the copy).  course.toml may also use the Chinese label.
COURSE_CATEGORIES = {"theory": "理论学习", "history": "党史学习", "rules": "党规党纪",
                     "policy": "政策解读", "practice": "业务实践", "other": "其他"}
SHOW_FEEDBACK = ("after_submit", "after_last_attempt", "never")

# 政治面貌 as written in course.toml → the code stored on users.  Kept here
# (not imported from accounts.models) because that module needs Flask.
CATEGORY_CODES = {
    "正式党员": "full_member", "中共党员": "full_member", "党员": "full_member",
    "预备党员": "probationary", "中共预备党员": "probationary",
    "发展对象": "candidate",
    "入党积极分子": "activist", "积极分子": "activist",
    "群众": "masses",
}
CATEGORY_LABELS = {"full_member": "正式党员", "probationary": "预备党员",
                   "candidate": "发展对象", "activist": "入党积极分子", "masses": "群众"}

# Quiz settings every QuizSpec carries, with the value used when the front
# matter leaves one out.  0 means "no limit" for time and attempts.
QUIZ_DEFAULTS: dict[str, Any] = {
    "pass_mark": 60,
    "time_limit_minutes": 0,
    "max_attempts": 0,
    "shuffle_options": False,
    "partial_credit": False,
    "show_feedback": "after_submit",
    "draw": [],
}

# Limits that keep a hostile or mistaken package from exhausting the server.
MAX_LESSONS = 500
MAX_CHAPTERS = 100
MAX_TEXT_FILE_BYTES = 1 * 1024 * 1024


@dataclass
class PackageError:
    """One problem in a package, located as precisely as we can.

    ``file`` is package-relative ("lessons/02-x.md"); ``line`` is 1-based in
    that file (for .xlsx/.csv question banks: the spreadsheet row), or None
    when the problem concerns the file as a whole.
    """

    file: str
    line: int | None
    message_zh: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file} 第 {self.line} 行"
        return f"{where}：{self.message_zh}"


@dataclass
class QuizSpec:
    questions_file: str
    questions: list[QuestionData] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=lambda: quiz_settings({}))


@dataclass
class LessonSpec:
    slug: str
    title: str
    kind: str = "text"
    required: bool = True
    body_markdown: str = ""
    min_reading_seconds: int | None = None
    video: str | None = None
    captions: str | None = None
    attachments: list[str] = field(default_factory=list)
    quiz: QuizSpec | None = None
    # Front-matter data of kinds the format doesn't name (see LessonKind.read_package_fields).
    extra: dict[str, Any] = field(default_factory=dict)
    # Where the lesson was read from; only informative, so it does not take
    # part in equality (a written-then-read package compares equal).
    source_file: str | None = field(default=None, compare=False)


@dataclass
class ChapterSpec:
    slug: str
    title: str
    lessons: list[LessonSpec] = field(default_factory=list)


@dataclass
class CoursePackage:
    slug: str
    title: str
    summary: str = ""
    category: str = "other"
    course_type: str = "elective"
    credit_hours: float = 1.0
    cover: str | None = None
    visibility_orgs: list[str] = field(default_factory=list)
    # Category codes ("probationary"…); course.toml spells them in Chinese.
    visibility_categories: list[str] = field(default_factory=list)
    no_skip_ahead: bool = False
    owners: list[str] = field(default_factory=list)
    chapters: list[ChapterSpec] = field(default_factory=list)

    def lessons(self) -> list[LessonSpec]:
        return [lesson for chapter in self.chapters for lesson in chapter.lessons]

    def media_files(self) -> list[str]:
        """Every package-relative file the package needs besides its text files.

        Sorted and de-duplicated; quiz question banks are not included (they
        are written from ``QuizSpec.questions``).
        """
        files = set()
        if self.cover:
            files.add(self.cover)
        for lesson in self.lessons():
            files.update(kind_for(lesson.kind).package_media(lesson))
            files.update(lesson.attachments)
            files.update(ref.package_path for ref in local_targets(lesson.body_markdown)
                         if ref.package_path)
        return sorted(files)


@dataclass
class PackageResult:
    package: CoursePackage | None
    errors: list[PackageError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.package is not None and not self.errors


def quiz_settings(raw: dict[str, Any]) -> dict[str, Any]:
    """The full settings dict: ``raw`` values over QUIZ_DEFAULTS, fixed key order."""
    settings = {key: raw.get(key, default) for key, default in QUIZ_DEFAULTS.items()}
    settings["draw"] = [dict(rule) for rule in settings["draw"]]
    return settings
