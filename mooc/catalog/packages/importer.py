"""Create or update a course from a package folder, keyed by stable slugs.

All or nothing: the package is read and checked completely (including each lesson
kind's slow checks, e.g. a decode pass over videos) before anything is written; one
database transaction then creates or updates the course, chapters, lessons, files and
what each kind keeps (quizzes…). Lessons that left the package are unpublished, never
deleted, so learners' progress survives. Work that needs the commit (video
transcoding is a background job) runs after it.

Re-importing compares before it writes: a course, chapter or lesson whose content is
unchanged is not touched, so its `updated_at` / `content_updated_at` keep saying when
it really changed, and the summary says what really happened.
"""
import logging
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from mooc.accounts.models import User
from mooc.catalog import kinds, media, services
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
    course_changed: bool = False  # course settings, cover, chapters or publication
    lessons_created: int = 0
    lessons_updated: int = 0
    lessons_retired: list = field(default_factory=list)
    # (lesson, spec) whose kind has work to do once the import is committed.
    pending: list = field(default_factory=list)
    jobs_queued: int = 0
    root: Path | None = None

    @property
    def changed(self):
        return bool(self.created or self.course_changed or self.lessons_created
                    or self.lessons_updated or self.lessons_retired or self.pending)

    def describe(self):
        """One line for the CLI and the demo loader, saying only what happened."""
        course = self.course
        if not self.changed:
            return _("课程 %(slug)s（%(title)s）没有变化", slug=course.slug, title=course.title)
        parts = []
        if self.lessons_created:
            parts.append(_("新建 %(count)d 课时", count=self.lessons_created))
        if self.lessons_updated:
            parts.append(_("更新 %(count)d 课时", count=self.lessons_updated))
        if self.lessons_retired:
            parts.append(_("停用 %(count)d 课时", count=len(self.lessons_retired)))
        if self.jobs_queued:
            parts.append(_("%(count)d 个视频已排队转码", count=self.jobs_queued))
        if not parts:
            parts.append(_("课程设置已更新"))
        template = _("已创建课程 %(slug)s（%(title)s）：%(changes)s") if self.created \
            else _("已更新课程 %(slug)s（%(title)s）：%(changes)s")
        return template % {"slug": course.slug, "title": course.title,
                           "changes": _("，").join(parts)}


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


def _verify_files(package, root):
    errors = []
    for lesson in package.lessons():
        errors += kinds.kind_for(lesson.kind).verify_package_files(lesson, root)
    return errors


def _store_images(course, actor, root, markdown):
    # Images are stored by content hash: unchanged images give unchanged URLs.
    def replace(ref):
        if ref.package_path is None or not ref.is_image:
            return None
        data = resolve_media(root, ref.package_path).read_bytes()
        _row, url = media.add_image_bytes(course, actor, data,
                                          filename=Path(ref.package_path).name)
        return url
    return rewrite_targets(markdown, replace)


def _sync_attachments(lesson, actor, root, paths):
    """Make the lesson's attachments the package's files; returns whether any changed."""
    wanted = {}
    for relative in paths:
        path = resolve_media(root, relative)
        wanted[storage.sha256_of_file(path)] = (path, Path(relative).name)
    changed = False
    for attachment in list(lesson.attachments):
        if storage.key_digest(attachment.storage_key) not in wanted:
            media.delete_attachment(attachment, actor)
            changed = True
    have = {storage.key_digest(a.storage_key) for a in lesson.attachments}
    for digest, (path, name) in wanted.items():
        if digest not in have:
            with path.open("rb") as stream:
                media.add_attachment(lesson, actor, stream, filename=name)
            changed = True
    return changed


def _remember_package_paths(lesson, actor, paths):
    """File names the database doesn't otherwise keep, so an export writes them back."""
    if (lesson.settings or {}).get("package") == paths:
        return False
    services.update_lesson(lesson, actor, settings={**(lesson.settings or {}), "package": paths})
    return True


def _import_cover(course, actor, root, cover):
    if not cover:
        return False
    data = resolve_media(root, cover).read_bytes()
    row, _url = media.add_image_bytes(course, actor, data, filename=Path(cover).name)
    changed = course.cover_key != row.storage_key
    course.cover_key = row.storage_key
    return changed


def _import_lesson(summary, course, chapter, position, spec, root, actor):
    kind = kinds.kind_for(spec.kind)
    body = _store_images(course, actor, root, spec.body_markdown)
    lesson, created, changed = services.sync_lesson(
        course, spec.slug, actor, chapter=chapter, title=spec.title, position=position,
        kind=spec.kind, body=body, required=spec.required,
        min_reading_seconds=spec.min_reading_seconds, published=True)
    changed = _remember_package_paths(lesson, actor, kind.remembered_paths(spec)) or changed
    changed = _sync_attachments(lesson, actor, root, spec.attachments) or changed
    if kind.import_content(lesson, spec, root, actor):
        summary.pending.append((lesson, spec))
        changed = True
    if created:
        summary.lessons_created += 1
    elif changed:
        summary.lessons_updated += 1
    return lesson


def import_package(path, actor=None, *, publish=True, check_videos=True):
    """Import the package at `path`; the caller commits (then `finish_import`).

    `check_videos=False` skips the kinds' slow file checks (decoding every video).
    """
    root = Path(path)
    result = read_package(root)
    if result.package is None:
        raise PackageImportError(result.errors)
    package = result.package
    errors, orgs, owners = _resolve_people_and_units(package)
    if check_videos:
        errors += _verify_files(package, root)
    if errors:
        raise PackageImportError(errors)

    restricted = bool(orgs or package.visibility_categories)
    course, created, course_changed = services.sync_course(
        package.slug, actor, title=package.title, summary=package.summary,
        category=package.category, course_type=package.course_type,
        credit_hours=package.credit_hours, no_skip_ahead=package.no_skip_ahead,
        visibility=RESTRICTED if restricted else OPEN, orgs=orgs,
        categories=list(package.visibility_categories), owners=owners)
    summary = ImportSummary(course=course, created=created, course_changed=course_changed,
                            root=root)
    summary.course_changed = _import_cover(course, actor, root, package.cover) or course_changed

    seen = set()
    for chapter_position, chapter_spec in enumerate(package.chapters):
        chapter, _created, chapter_changed = services.sync_chapter(
            course, chapter_spec.slug, actor, title=chapter_spec.title, position=chapter_position)
        summary.course_changed = summary.course_changed or chapter_changed
        for position, spec in enumerate(chapter_spec.lessons):
            seen.add(_import_lesson(summary, course, chapter, position, spec, root, actor).id)
    for lesson in course.lessons:
        if lesson.id not in seen and lesson.published:
            services.set_lesson_published(lesson, actor, False)
            summary.lessons_retired.append(lesson.slug)
    if publish and not course.is_published:
        services.publish_course(course, actor)
        summary.course_changed = True
    db.session.flush()
    return summary


def finish_import(summary, actor=None):
    """After the import committed: each kind's remaining work (store videos, queue jobs)."""
    for lesson, spec in summary.pending:
        if kinds.kind_for(spec.kind).import_after_commit(lesson, spec, summary.root, actor):
            summary.jobs_queued += 1
    return summary.jobs_queued


def import_and_commit(path, actor=None, **options):
    """The whole job for the CLI and the demo loader."""
    try:
        summary = import_package(path, actor, **options)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    finish_import(summary, actor)
    return summary
