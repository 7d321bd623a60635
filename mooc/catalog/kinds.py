"""Lesson kinds: the only place that branches on `lesson.kind`.

Each kind is a class registered in `KINDS` under its `name`; a new kind is a new
subclass. Callers ask the class: `kind_for(lesson.kind).learner_context(...)`.

A kind decides
* how its lesson looks to a learner (`template`, `learner_context`);
* how completion is decided (`complete`, called for the learner's "done" POST;
  kinds whose completion comes from elsewhere — the player, the quiz — refuse it);
* what search indexes (`search_text`).
"""
from __future__ import annotations

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
    KINDS[cls.name] = cls
    return cls


def kind_for(name) -> type["LessonKind"]:
    """The class for a stored kind; an unknown kind (a newer package?) shows as text."""
    return KINDS.get(name, TextLesson)


def choices():
    return [(cls.name, cls.label) for cls in KINDS.values()]


class LessonKind:
    name: ClassVar[str]
    label: ClassVar[object]
    icon: ClassVar[str]
    template: ClassVar[str]
    # Shows the "我已学完" button: the learner's POST is what completes it.
    reader_completes: ClassVar[bool] = False
    completion_rule: ClassVar[object] = ""

    @classmethod
    def default_settings(cls) -> dict:
        return {}

    @classmethod
    def search_text(cls, lesson) -> str:
        return f"{lesson.title}\n{plain_text(lesson.body)}"

    @classmethod
    def learner_context(cls, lesson, user) -> dict:
        return {}

    @classmethod
    def complete(cls, lesson, user, form) -> int:
        """Check the learner's claim; return seconds spent, or raise CompletionError."""
        raise CompletionError(str(cls.completion_rule))


@register
class TextLesson(LessonKind):
    name = "text"
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
    def complete(cls, lesson, user, form):
        try:
            return reading.check_token(form.get("reading_token"), user, lesson)
        except reading.ReadingError as exc:
            raise CompletionError(str(exc), remaining=exc.remaining)


@register
class VideoLesson(LessonKind):
    """Placeholder until the video issue: the player will record progress itself."""
    name = "video"
    label = _l("视频")
    icon = "▶"
    template = "catalog/kinds/video.html"
    completion_rule = _l("观看视频达到要求后自动完成")


@register
class QuizLesson(LessonKind):
    """Placeholder until the quiz issue: passing the quiz will complete it."""
    name = "quiz"
    label = _l("测验")
    icon = "✎"
    template = "catalog/kinds/quiz.html"
    completion_rule = _l("通过测验后自动完成")
