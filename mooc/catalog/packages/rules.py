"""Field-by-field checks for course.toml and lesson front matter.

A Checker reads one value, reports a located Chinese error when it is
wrong and returns a usable default, so validation carries on and the
author sees every problem at once.  Unknown keys are errors too: a typo
such as ``pass_mrak = 80`` must not be silently ignored.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from mooc.catalog import kinds
from mooc.catalog.packages.format import (
    CATEGORY_CODES,
    CATEGORY_LABELS,
    COURSE_CATEGORIES,
    COURSE_TYPE_ALIASES,
)
from mooc.catalog.packages.tomlpos import TomlLines

COURSE_KEYS = ("slug", "title", "summary", "category", "type", "credit_hours", "cover",
               "visibility", "no_skip_ahead", "owners", "chapters")
# Keys every lesson may use; each lesson kind adds its own (LessonKind.package_keys).
COMMON_LESSON_KEYS = ("title", "kind", "required", "min_reading_minutes", "attachments",
                      "chapter")


def lesson_keys() -> tuple[str, ...]:
    """Every key a lesson file may hold, common keys first, then each kind's."""
    keys = dict.fromkeys(COMMON_LESSON_KEYS)
    for kind in kinds.ordered():
        keys.update(dict.fromkeys(kind.package_keys))
    return tuple(keys)


def _is_number(value: Any) -> bool:
    # TOML true/false arrive as bool, which is an int subclass.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Checker:
    def __init__(self, reader, file: str, where: TomlLines) -> None:
        self.reader = reader
        self.file = file
        self.where = where

    def fail(self, path: tuple, message: str, value: str | None = None) -> None:
        line = (self.where.line_of_value(value, *path) if value is not None
                else self.where.line_of(*path))
        self.reader.error(self.file, line, message)

    def unknown_keys(self, data: dict[str, Any], allowed: tuple[str, ...], path: tuple) -> None:
        for key in data:
            if key not in allowed:
                self.fail(path + (key,), f"未知的设置项“{key}”（可用的有：{'、'.join(allowed)}）")

    # ------------------------------------------------------------ scalars

    def text(self, data: dict[str, Any], key: str, *, required: bool = False,
             path: tuple = ()) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(path + (key,), f"缺少必填项 {key}")
            return ""
        if not isinstance(value, str):
            self.fail(path + (key,), f"{key} 应为文字（用英文双引号括起来）")
            return ""
        if required and not value.strip():
            self.fail(path + (key,), f"{key} 不能为空")
        return value

    def boolean(self, data: dict[str, Any], key: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.fail((key,), f"{key} 只能是 true 或 false")
            return default
        return value

    def number(self, data: dict[str, Any], key: str, *, minimum: float, default: float,
               as_float: bool = False, integer: bool = False, maximum: float | None = None,
               path: tuple = ()) -> Any:
        value = data.get(key, default)
        if not _is_number(value) or (integer and not isinstance(value, int)):
            self.fail(path + (key,), f"{key} 应为{'整数' if integer else '数字'}")
            return default
        if value < minimum or (maximum is not None and value > maximum):
            limit = f"{minimum:g} 到 {maximum:g} 之间" if maximum is not None else f"不小于 {minimum:g}"
            self.fail(path + (key,), f"{key} 应{limit}")
            return default
        return float(value) if as_float else value

    def text_list(self, data: dict[str, Any], path: tuple) -> list[str]:
        value = data.get(path[-1], [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(path, f"{path[-1]} 应为文字列表，例如 [\"甲\", \"乙\"]，且不能有空项")
            return []
        return value

    def course_type(self, data: dict[str, Any]) -> str:
        value = data.get("type", "elective")
        if not isinstance(value, str) or value not in COURSE_TYPE_ALIASES:
            self.fail(("type",), f"未知的课程类型“{value}”（应为 required（必修）或 elective（选修））")
            return "elective"
        return COURSE_TYPE_ALIASES[value]

    def course_category(self, data: dict[str, Any]) -> str:
        value = data.get("category", "other")
        by_label = {label: key for key, label in COURSE_CATEGORIES.items()}
        if isinstance(value, str) and (value in COURSE_CATEGORIES or value in by_label):
            return by_label.get(value, value)
        choices = "、".join(f"{key}（{label}）" for key, label in COURSE_CATEGORIES.items())
        self.fail(("category",), f"未知的课程分类“{value}”（可用：{choices}）")
        return "other"

    # ------------------------------------------------------------ visibility

    def org_list(self, visibility: dict[str, Any]) -> list[str]:
        orgs = self.text_list(visibility, ("visibility", "orgs"))
        for org in orgs:
            if any(not part.strip() for part in org.split("/")):
                self.fail(("visibility", "orgs"), f"组织路径“{org}”中有空的层级（多余的“/”）", org)
        return orgs

    def categories(self, visibility: dict[str, Any]) -> list[str]:
        codes = []
        for label in self.text_list(visibility, ("visibility", "categories")):
            code = CATEGORY_CODES.get(label.strip(), label if label in CATEGORY_LABELS else None)
            if code is None:
                self.fail(("visibility", "categories"),
                          f"未知的政治面貌“{label}”（可用：{'、'.join(CATEGORY_LABELS.values())}）", label)
            elif code not in codes:
                codes.append(code)
        return codes

    # ------------------------------------------------------------ lessons

    def keys_only_for(self, front: dict[str, Any], kind: str) -> None:
        own = kinds.KINDS[kind].package_keys
        for other in kinds.ordered():
            if other.name == kind:
                continue
            for key in other.package_keys:
                if key in front and key not in own:
                    self.fail((key,), f"{key} 只能用于{other.label}课时（kind = \"{other.name}\"）")

    # ------------------------------------------------------------ for lesson kinds

    @property
    def root(self) -> Path:
        return self.reader.root

    @property
    def memo(self) -> dict[str, Any]:
        """Kept for the whole package read, e.g. a question bank several lessons share."""
        return self.reader.memo

    def file_error(self, message: str) -> None:
        """A problem with this file as a whole."""
        self.reader.error(self.file, None, message)

    def error_in(self, file: str, line: int | None, message: str) -> None:
        """A problem located in another package file (a question bank, captions)."""
        self.reader.error(file, line, message)

    def package_file(self, data: dict[str, Any], key: str, suffixes: tuple[str, ...],
                     what: str) -> str | None:
        """The canonical path of the file ``data[key]`` names, or None after an error."""
        return self.reader.check_file(data[key], suffixes, what, self.file, self.where.line_of(key))
