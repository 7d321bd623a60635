"""Package-relative paths: the folder layout and the one safe way to resolve a path.

The bottom of the course-package modules: format, reader, writer, rules and
markdown_refs import it, and it imports none of them.
"""
from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

COURSE_FILE = "course.toml"
LESSONS_DIR = "lessons"
MEDIA_DIR = "media"
QUIZZES_DIR = "quizzes"

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG_LENGTH = 80
# "03-sanhui-yike.md": the number only orders files, the rest is the slug.
LESSON_FILE_RE = re.compile(r"^(?:(\d{1,4})-)?(.+)\.md$")

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def is_valid_slug(slug: object) -> bool:
    return isinstance(slug, str) and len(slug) <= MAX_SLUG_LENGTH and bool(SLUG_RE.match(slug))


class MediaPathError(ValueError):
    """A package path that is absolute, malformed or escapes the package."""


def normalise_package_path(relative: str) -> str:
    """Check a package-relative path and return it in canonical POSIX form.

    Rejects absolute paths, drive letters, backslashes and any ``..`` that
    would leave the package; "media/./a.png" becomes "media/a.png".
    """
    if not isinstance(relative, str) or not relative.strip():
        raise MediaPathError("文件路径不能为空")
    if "\\" in relative or "\x00" in relative:
        raise MediaPathError(f"文件路径“{relative}”不合法：请使用“/”分隔目录")
    if relative.startswith("/") or re.match(r"^[A-Za-z]:", relative):
        raise MediaPathError(f"文件路径“{relative}”必须是课程包内的相对路径")
    parts: list[str] = []
    for part in PurePosixPath(relative).parts:
        if part == "..":
            if not parts:
                raise MediaPathError(f"文件路径“{relative}”指向课程包之外")
            parts.pop()
        elif part != ".":
            parts.append(part)
    if not parts:
        raise MediaPathError(f"文件路径“{relative}”没有指向任何文件")
    return "/".join(parts)


def resolve_media(package_root: str | Path, relative: str) -> Path:
    """The absolute path of a package file; never outside ``package_root``.

    Raises MediaPathError for paths that escape the package, including via
    symbolic links.  The file need not exist.
    """
    root = Path(package_root).resolve()
    candidate = (root / normalise_package_path(relative)).resolve()
    if candidate != root and root not in candidate.parents:
        raise MediaPathError(f"文件路径“{relative}”指向课程包之外")
    return candidate
