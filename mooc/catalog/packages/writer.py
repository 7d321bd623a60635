"""write_package(): a CoursePackage → the folder layout read_package() reads.

Output is canonical and deterministic, so exporting the same course twice
gives the same bytes and git diffs show only real changes:

* course.toml and front matter are written by tomli_w in a fixed key
  order; every chapter lists its lessons explicitly;
* lesson files are numbered by their position in the course (01-, 02-…);
* what a lesson kind adds (video paths, quiz settings and question banks…)
  comes from its LessonKind class (`package_front_matter`, `package_files`):
  quiz settings are written in full, and a question bank is copied byte for
  byte when ``media_source`` still has the original and it reads back the same.

The package is written to a temporary sibling folder and moved into place
at the end, so a failure never leaves half a package behind, and a
``media_source`` reading from the destination itself keeps working.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

import tomli_w

from mooc.catalog.kinds import kind_for
from mooc.catalog.packages.format import (
    CATEGORY_LABELS,
    COURSE_FILE,
    LESSONS_DIR,
    CoursePackage,
    LessonSpec,
    MediaPathError,
    is_valid_slug,
    normalise_package_path,
    resolve_media,
)
from mooc.catalog.packages.lesson_file import join_lesson_file

MediaSource = Callable[[str], "bytes | None"]


class PackageWriteError(ValueError):
    """The package cannot be written; the message (Chinese) says why."""


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def course_document(package: CoursePackage) -> dict[str, Any]:
    document: dict[str, Any] = {
        "slug": package.slug,
        "title": package.title,
        "summary": package.summary,
        "category": package.category,
        "type": package.course_type,
        "credit_hours": _number(package.credit_hours),
    }
    if package.cover:
        document["cover"] = package.cover
    document["no_skip_ahead"] = package.no_skip_ahead
    document["owners"] = list(package.owners)
    document["visibility"] = {
        "orgs": list(package.visibility_orgs),
        "categories": [CATEGORY_LABELS.get(code, code) for code in package.visibility_categories],
    }
    document["chapters"] = [
        {"slug": chapter.slug, "title": chapter.title,
         "lessons": [lesson.slug for lesson in chapter.lessons]}
        for chapter in package.chapters
    ]
    return document


def lesson_front_matter(lesson: LessonSpec) -> dict[str, Any]:
    front: dict[str, Any] = {"title": lesson.title, "kind": lesson.kind, "required": lesson.required}
    if lesson.min_reading_seconds is not None:
        seconds = lesson.min_reading_seconds
        # Four decimals of a minute round back to the same whole second.
        front["min_reading_minutes"] = seconds // 60 if seconds % 60 == 0 else round(seconds / 60, 4)
    if lesson.attachments:
        front["attachments"] = list(lesson.attachments)
    return kind_for(lesson.kind).package_front_matter(lesson, front)


def lesson_file_names(package: CoursePackage) -> dict[str, str]:
    """Lesson slug → "lessons/NN-slug.md", numbered through the whole course."""
    lessons = package.lessons()
    width = max(2, len(str(len(lessons))))
    return {lesson.slug: f"{LESSONS_DIR}/{position:0{width}d}-{lesson.slug}.md"
            for position, lesson in enumerate(lessons, start=1)}


def _check_writable(package: CoursePackage) -> None:
    """Refuse what would produce unsafe file names or an unreadable package."""
    problems = []
    if not is_valid_slug(package.slug):
        problems.append(f"课程标识“{package.slug}”不合法")
    seen: set[str] = set()
    for lesson in package.lessons():
        if not is_valid_slug(lesson.slug):
            problems.append(f"课时标识“{lesson.slug}”不合法")
        elif lesson.slug in seen:
            problems.append(f"课时标识“{lesson.slug}”重复")
        seen.add(lesson.slug)
    if problems:
        raise PackageWriteError("；".join(problems))


def write_package(package: CoursePackage, path: str | Path,
                  media_source: MediaSource | None = None, *, overwrite: bool = False) -> list[str]:
    """Write ``package`` into folder ``path``; returns the written package paths, sorted.

    ``media_source(relative_path)`` supplies the bytes of every media file
    (cover, video, captions, attachments, files linked from Markdown) and,
    optionally, the original question banks; None means "I don't have it".
    A missing media file is an error: the result would not read back.
    An existing non-empty ``path`` is replaced only with ``overwrite=True``.
    """
    _check_writable(package)
    media_source = media_source or (lambda relative: None)
    target = Path(path)
    if target.exists() and any(target.iterdir()) and not overwrite:
        raise PackageWriteError(f"目录“{target}”已存在且不为空")

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would otherwise become the package's mode
    written: list[str] = []

    def put(relative: str, data: bytes) -> None:
        destination = staging / normalise_package_path(relative)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(data)
        written.append(relative)

    try:
        put(COURSE_FILE, tomli_w.dumps(course_document(package), multiline_strings=True).encode("utf-8"))
        names = lesson_file_names(package)
        for lesson in package.lessons():
            put(names[lesson.slug],
                join_lesson_file(lesson_front_matter(lesson), lesson.body_markdown).encode("utf-8"))
            for relative, data in kind_for(lesson.kind).package_files(lesson, media_source).items():
                put(relative, data)
        missing = []
        for relative in package.media_files():
            data = media_source(relative)
            if data is None:
                missing.append(relative)
            else:
                put(relative, data)
        if missing:
            raise PackageWriteError("缺少以下媒体文件，无法导出：" + "、".join(missing))
        if target.exists():
            retired = target.with_name(f".{target.name}.old-{staging.name[-8:]}")
            target.rename(retired)
            staging.rename(target)
            shutil.rmtree(retired)
        else:
            staging.rename(target)
    except MediaPathError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise PackageWriteError(str(error)) from error
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(set(written))


def disk_media_source(package_root: str | Path) -> MediaSource:
    """A media_source reading files of a package on disk (None when absent or unsafe)."""
    def read(relative: str) -> bytes | None:
        try:
            path = resolve_media(package_root, relative)
        except MediaPathError:
            return None
        return path.read_bytes() if path.is_file() else None

    return read
