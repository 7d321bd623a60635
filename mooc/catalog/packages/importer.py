"""Create or update a course from a package folder, keyed by stable slugs.

All or nothing: the package is read and checked completely (including a decode pass
over its videos) before anything is written; one database transaction then creates
or updates the course, chapters, lessons, files and quizzes. Lessons that left the
package are unpublished, never deleted, so learners' progress survives. Videos are
attached after that commit (transcoding is a background job), idempotently by
content hash.
"""
import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from mooc.accounts.models import User
from mooc.catalog import media, services
from mooc.catalog.models import OPEN, RESTRICTED
from mooc.catalog.packages import (PackageError, read_package, resolve_media,
                                   rewrite_targets)
from mooc.core import storage
from mooc.extensions import db
from mooc.org.services import find_by_label

log = logging.getLogger(__name__)


class PackageImportError(ValueError):
    """The package was rejected as a whole; `errors` name file and line."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(format_error(e) for e in self.errors))


def format_error(error):
    where = error.file + (f" 第 {error.line} 行" if error.line else "")
    return f"{where}：{error.message_zh}"


@dataclass
class ImportSummary:
    course: object
    created: bool
    lessons_created: int = 0
    lessons_updated: int = 0
    lessons_retired: list = field(default_factory=list)
    videos: list = field(default_factory=list)


# Kind-specific steps: kind → fn(lesson, spec, root, actor). Quizzes and videos add theirs.
KIND_IMPORTERS = {}


def _resolve_people_and_units(package):
    errors, orgs, owners = [], [], []
    for label in package.visibility_orgs:
        org, reason = find_by_label(label)
        if org is None:
            errors.append(PackageError("course.toml", None, f"可见范围中的组织：{reason}"))
        else:
            orgs.append(org)
    for username in package.owners:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None or user.role not in ("instructor", "admin"):
            errors.append(PackageError("course.toml", None,
                                       f"课程负责人“{username}”不存在或不是讲师/管理员"))
        else:
            owners.append(user)
    return errors, orgs, owners


def _check_videos(package, root):
    """Decode-check every video before touching the database (slow, but honest)."""
    from mooc.video.processing.media_probe import VideoRejected, validate_video
    errors = []
    for lesson in package.lessons():
        if lesson.kind == "video" and lesson.video:
            try:
                validate_video(resolve_media(root, lesson.video))
            except VideoRejected as exc:
                errors.append(PackageError(lesson.source_file or lesson.video, None,
                                           f"视频 {lesson.video}：{exc}"))
    return errors


def _store_images(course, actor, root, markdown):
    def replace(ref):
        if ref.package_path is None or not ref.is_image:
            return None
        data = resolve_media(root, ref.package_path).read_bytes()
        _row, url = media.add_image_bytes(course, actor, data,
                                          filename=Path(ref.package_path).name)
        return url
    return rewrite_targets(markdown, replace)


def _sync_attachments(lesson, actor, root, paths):
    wanted = {}
    for relative in paths:
        path = resolve_media(root, relative)
        wanted[storage.sha256_of_file(path)] = (path, Path(relative).name)
    for attachment in list(lesson.attachments):
        if storage.key_digest(attachment.storage_key) not in wanted:
            media.delete_attachment(attachment, actor)
    have = {storage.key_digest(a.storage_key) for a in lesson.attachments}
    for digest, (path, name) in wanted.items():
        if digest not in have:
            with path.open("rb") as stream:
                media.add_attachment(lesson, actor, stream, filename=name)


def _remember_package_paths(lesson, actor, spec):
    """File names the database doesn't otherwise keep, so an export writes them back."""
    paths = {"video": spec.video, "captions": spec.captions,
             "questions": spec.quiz.questions_file if spec.quiz else None}
    paths = {k: v for k, v in paths.items() if v}
    if (lesson.settings or {}).get("package") != paths:
        services.update_lesson(lesson, actor, settings={**(lesson.settings or {}),
                                                       "package": paths})


def import_package(path, actor=None, *, publish=True, check_videos=True):
    """Import the package at `path`; the caller commits (videos attach after that)."""
    root = Path(path)
    result = read_package(root)
    if result.package is None:
        raise PackageImportError(result.errors)
    package = result.package
    errors, orgs, owners = _resolve_people_and_units(package)
    if check_videos:
        errors += _check_videos(package, root)
    if errors:
        raise PackageImportError(errors)

    restricted = bool(orgs or package.visibility_categories)
    course, created = services.upsert_course(
        package.slug, actor, title=package.title, summary=package.summary,
        category=package.category, course_type=package.course_type,
        credit_hours=package.credit_hours, no_skip_ahead=package.no_skip_ahead,
        visibility=RESTRICTED if restricted else OPEN, orgs=orgs,
        categories=list(package.visibility_categories), owners=owners)
    summary = ImportSummary(course=course, created=created)
    if package.cover:
        data = resolve_media(root, package.cover).read_bytes()
        row, _url = media.add_image_bytes(course, actor, data, filename=Path(package.cover).name)
        course.cover_key = row.storage_key

    seen = set()
    for chapter_position, chapter_spec in enumerate(package.chapters):
        chapter, _ = services.upsert_chapter(course, chapter_spec.slug, actor,
                                             title=chapter_spec.title, position=chapter_position)
        for position, spec in enumerate(chapter_spec.lessons):
            body = _store_images(course, actor, root, spec.body_markdown)
            lesson, lesson_created = services.upsert_lesson(
                course, spec.slug, actor, chapter=chapter, title=spec.title, position=position,
                kind=spec.kind, body=body, required=spec.required,
                min_reading_seconds=spec.min_reading_seconds, published=True)
            seen.add(lesson.id)
            _remember_package_paths(lesson, actor, spec)
            _sync_attachments(lesson, actor, root, spec.attachments)
            if spec.kind in KIND_IMPORTERS and spec.kind != "video":
                KIND_IMPORTERS[spec.kind](lesson, spec, root, actor)
            if spec.kind == "video" and spec.video:
                summary.videos.append((lesson, spec))
            if lesson_created:
                summary.lessons_created += 1
            else:
                summary.lessons_updated += 1
    for lesson in course.lessons:
        if lesson.id not in seen and lesson.published:
            services.set_lesson_published(lesson, actor, False)
            summary.lessons_retired.append(lesson.slug)
    if publish and not course.is_published:
        services.publish_course(course, actor)
    db.session.flush()
    summary.root = root
    return summary


def attach_videos(summary, actor=None):
    """After the import committed: store each video and queue its transcoding."""
    importer = KIND_IMPORTERS.get("video")
    if importer is None:
        return []
    attached = []
    for lesson, spec in summary.videos:
        attached.append(importer(lesson, spec, summary.root, actor))
    return attached


def import_and_commit(path, actor=None, **options):
    """The whole job for the CLI and the demo loader."""
    try:
        summary = import_package(path, actor, **options)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    attach_videos(summary, actor)
    return summary


def _import_quiz(lesson, spec, root, actor):
    from mooc.quizzes.services import configure_quiz
    configure_quiz(lesson, spec.quiz.questions, spec.quiz.settings)


def _import_video(lesson, spec, root, actor):
    from mooc.video.services import attach_video
    captions = resolve_media(root, spec.captions) if spec.captions else None
    return attach_video(lesson, resolve_media(root, spec.video), captions, actor=actor)


KIND_IMPORTERS.update(quiz=_import_quiz, video=_import_video)
