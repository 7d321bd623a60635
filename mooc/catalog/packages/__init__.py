"""Course packages: a git-friendly folder format for whole courses.

See docs/course-package.md for the format.  This package is pure Python
(no Flask, no database); the importer/exporter modules bind it to models.
"""
from mooc.catalog.packages.format import (
    ChapterSpec,
    CoursePackage,
    LessonSpec,
    MediaPathError,
    PackageError,
    PackageResult,
    QuizSpec,
    normalise_package_path,
    resolve_media,
)
from mooc.catalog.packages.markdown_refs import MarkdownRef, local_targets, rewrite_targets
from mooc.catalog.packages.reader import read_package
from mooc.catalog.packages.writer import PackageWriteError, disk_media_source, write_package

__all__ = [
    "ChapterSpec", "CoursePackage", "LessonSpec", "MarkdownRef", "MediaPathError",
    "PackageError", "PackageResult", "PackageWriteError", "QuizSpec", "disk_media_source",
    "local_targets", "normalise_package_path", "read_package", "resolve_media",
    "rewrite_targets", "write_package",
]
