"""Write a course back out as a package folder that re-imports to the same course."""
import re
from pathlib import Path

from mooc.accounts.models import CATEGORIES
from mooc.catalog.models import CourseMedia
from mooc.catalog.packages import ChapterSpec, CoursePackage, LessonSpec, write_package
from mooc.catalog.rendering import MEDIA_URL
from mooc.core import storage
from mooc.extensions import db
from mooc.org.services import full_name

_CATEGORY_ORDER = list(CATEGORIES)  # the order branch work lists them in
# Markdown image URLs pointing at this course's stored media.
_MEDIA_REF = re.compile(r"/courses/(\d+)/media/([0-9a-f]{2}/[0-9a-f]{64}\.[a-z0-9]{1,5})")


class _Media:
    """Package paths for stored files: the original name when free, else name-2, …"""

    def __init__(self):
        self.files = {}   # package path → callable returning bytes
        self.by_key = {}

    def add(self, key, filename, reader=None):
        if key in self.by_key:
            return self.by_key[key]
        stem, dot, ext = Path(filename or "file").name.rpartition(".")
        stem, ext = (stem, ext) if dot else (ext, "bin")
        candidate, n = f"media/{stem}.{ext}", 2
        while candidate in self.files:
            candidate, n = f"media/{stem}-{n}.{ext}", n + 1
        self.files[candidate] = reader or (lambda k=key: storage.path_for(k).read_bytes())
        self.by_key[key] = candidate
        return candidate


def _body_for_package(lesson, media, names):
    def replace(match):
        key = match.group(2)
        return "../" + media.add(key, names.get(key, Path(key).name))
    return _MEDIA_REF.sub(replace, lesson.body or "")


def build_package(course):
    """The CoursePackage for `course` and a reader for every media file it names."""
    media = _Media()
    names = {row.storage_key: row.filename for row in
             db.session.scalars(db.select(CourseMedia).where(CourseMedia.course_id == course.id))}
    cover = media.add(course.cover_key, names.get(course.cover_key, "cover.jpg")) \
        if course.cover_key else None
    chapters = []
    for chapter in course.chapters:
        specs = []
        for lesson in chapter.lessons:
            if not lesson.published:
                continue  # retired or unfinished lessons stay on this site
            remembered = (lesson.settings or {}).get("package", {})
            spec = LessonSpec(slug=lesson.slug, title=lesson.title, kind=lesson.kind,
                              required=lesson.required,
                              body_markdown=_body_for_package(lesson, media, names),
                              min_reading_seconds=lesson.min_reading_seconds)
            spec.attachments = [media.add(a.storage_key, a.filename) for a in lesson.attachments]
            lesson.kind_class.export_spec(lesson, spec, media, remembered)
            specs.append(spec)
        chapters.append(ChapterSpec(slug=chapter.slug, title=chapter.title, lessons=specs))
    package = CoursePackage(
        slug=course.slug, title=course.title, summary=course.summary or "",
        category=course.category, course_type=course.course_type,
        credit_hours=course.credit_hours, cover=cover,
        visibility_orgs=[full_name(org) for org in course.orgs],
        visibility_categories=sorted(course.audience_categories, key=_CATEGORY_ORDER.index),
        no_skip_ahead=course.no_skip_ahead, owners=[u.username for u in course.owners],
        chapters=chapters)
    return package, media.files


def export_course(course, path, *, overwrite=False):
    package, files = build_package(course)

    def media_source(relative):
        reader = files.get(relative)
        return reader() if reader else None

    return write_package(package, Path(path), media_source, overwrite=overwrite)


# Keep the URL pattern honest if rendering ever changes its media URLs.
assert MEDIA_URL == "/courses/{course_id}/media/{key}"
