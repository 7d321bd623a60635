"""Lesson kinds: the only place that branches on `lesson.kind`.

Each kind is a class registered in `KINDS` under its `name`; a new kind is a new
subclass plus one `register(cls)` call. Callers ask the class:
`kind_for(lesson.kind).learner_context(...)`. The catalogue registers its own
`TextLesson` here; features register theirs (video, quiz).

A kind decides
* how its lesson looks to a learner (`template`, `learner_context`) and to an
  author (`author_template`);
* how completion is decided (`complete`, called for the learner's "done" POST;
  kinds whose completion comes from elsewhere — the player, the quiz — refuse it);
* what search indexes (`search_text`, `search_documents`);
* what it adds to a course package and takes from one (the `package_*`,
  `read_package_fields`, `export_spec` and `import_*` hooks below). The package
  reader, writer, importer and exporter only call these hooks, so a new kind needs
  no change there.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import ClassVar

from flask_babel import lazy_gettext as _l

from mooc.catalog import reading
from mooc.catalog.rendering import plain_text

KINDS: dict[str, type["LessonKind"]] = {}


class CompletionError(ValueError):
    """The learner cannot mark this lesson done now; the message says why, in Chinese."""

    def __init__(self, message, remaining=None):
        super().__init__(message)
        self.remaining = remaining


def register(cls):
    """Add a kind; usable as a decorator. A name belongs to one class only."""
    current = KINDS.get(cls.name)
    if current is not None and current is not cls:
        raise ValueError(f"lesson kind {cls.name!r} is already registered by {current.__qualname__}")
    KINDS[cls.name] = cls
    return cls


def unregister(name):
    KINDS.pop(name, None)


@contextmanager
def registered(cls):
    """`with registered(ToyKind):` — for tests that bring their own kind."""
    register(cls)
    try:
        yield cls
    finally:
        unregister(cls.name)


def kind_for(name) -> type["LessonKind"]:
    """The class for a stored kind; an unknown kind (a newer package?) shows as text."""
    return KINDS.get(name, TextLesson)


def ordered():
    """Registered kinds in menu order (registration order varies with import order)."""
    return sorted(KINDS.values(), key=lambda cls: cls.menu_order)


def choices():
    return [(cls.name, cls.label) for cls in ordered()]


class LessonKind:
    name: ClassVar[str]
    label: ClassVar[object]
    icon: ClassVar[str]
    template: ClassVar[str]
    author_template: ClassVar[str | None] = None
    # Place in menus and lists: text 10, video 20, quiz 30; new kinds after them.
    menu_order: ClassVar[int] = 100
    # Shows the "我已学完" button: the learner's POST is what completes it.
    reader_completes: ClassVar[bool] = False
    completion_rule: ClassVar[object] = ""
    # Front-matter keys only lessons of this kind may use (others are told so).
    package_keys: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def default_settings(cls) -> dict:
        return {}

    # ------------------------------------------------------------ learners

    @classmethod
    def learner_context(cls, lesson, user) -> dict:
        return {}

    @classmethod
    def complete(cls, lesson, user, form) -> int:
        """Check the learner's claim; return seconds spent, or raise CompletionError."""
        raise CompletionError(str(cls.completion_rule))

    @classmethod
    def durations(cls, lessons) -> dict:
        """{lesson id: seconds} a learner needs, shown in the course outline; a lesson
        left out shows no duration. One query at most for all `lessons` of this kind."""
        return {}

    # ------------------------------------------------------------ search

    @classmethod
    def search_text(cls, lesson) -> str:
        return f"{lesson.title}\n{plain_text(lesson.body)}"

    @classmethod
    def search_documents(cls, lesson, base, url) -> list[dict]:
        """The index documents this lesson contributes (attachments are added by search).

        `base` holds the fields every document of the lesson shares; `url` is the
        lesson page.
        """
        return [{**base, "doc_id": f"lesson:{lesson.id}", "kind": "lesson",
                 "title": lesson.title, "body": cls.search_text(lesson), "url": url,
                 "tags": [str(lesson.course.title)]}]

    # ------------------------------------------------------------ course packages

    @classmethod
    def read_package_fields(cls, spec, front, check) -> None:
        """Fill `spec` from this kind's front-matter keys.

        `check` is the reader's rules.Checker for the lesson file: its methods
        report located Chinese errors and return usable defaults.
        """

    @classmethod
    def package_front_matter(cls, spec, front) -> dict:
        """The lesson's front matter, given the common keys in canonical order."""
        return front

    @classmethod
    def package_media(cls, spec) -> list[str]:
        """Package files the lesson refers to besides attachments and body links."""
        return []

    @classmethod
    def package_files(cls, spec, media_source) -> dict[str, bytes]:
        """Files the writer generates for the lesson (path → bytes), e.g. a question bank."""
        return {}

    @classmethod
    def export_spec(cls, lesson, spec, media, remembered) -> None:
        """Fill `spec` from the stored lesson (exporter). `media.add(key, name, reader)`
        names a file in the package; `remembered` holds the paths of the last import."""

    @classmethod
    def remembered_paths(cls, spec) -> dict[str, str]:
        """Package paths the database doesn't keep, so an export writes them back."""
        return {}

    @classmethod
    def verify_package_files(cls, spec, root) -> list:
        """Slow checks of the lesson's files before anything is written (PackageErrors)."""
        return []

    @classmethod
    def import_content(cls, lesson, spec, root, actor) -> bool:
        """Bring the kind's own data in line with `spec`, in the import's transaction.

        Returns whether anything changed (or will change in `import_after_commit`);
        unchanged data must be left alone.
        """
        return False

    @classmethod
    def import_after_commit(cls, lesson, spec, root, actor) -> bool:
        """Work that needs the import committed (background jobs); called only for
        lessons whose `import_content` reported a change. Returns whether a job was queued."""
        return False


@register
class TextLesson(LessonKind):
    name = "text"
    menu_order = 10
    label = _l("图文")
    icon = "文"
    template = "catalog/kinds/text.html"
    reader_completes = True
    completion_rule = _l("阅读达到最短学习时间后，点击“我已学完”")

    @classmethod
    def learner_context(cls, lesson, user):
        return {"reading_token": reading.issue_token(user, lesson),
                "required_seconds": reading.required_seconds(lesson)}

    @classmethod
    def durations(cls, lessons):
        return {lesson.id: reading.required_seconds(lesson) for lesson in lessons}

    @classmethod
    def complete(cls, lesson, user, form):
        try:
            return reading.check_token(form.get("reading_token"), user, lesson)
        except reading.ReadingError as exc:
            raise CompletionError(str(exc), remaining=exc.remaining)

    @classmethod
    def read_package_fields(cls, spec, front, check):
        if not spec.body_markdown.strip():
            check.file_error("文字课时的正文不能为空")


def durations_for(lessons) -> dict:
    """{lesson id: seconds} for an outline: each kind answers for its own lessons."""
    by_kind, found = {}, {}
    for lesson in lessons:
        by_kind.setdefault(lesson.kind, []).append(lesson)
    for name, group in by_kind.items():
        found.update(kind_for(name).durations(group))
    return found
