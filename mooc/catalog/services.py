"""The catalogue's public service API, in one place (implemented in courses.py and outline.py).

Plain functions; the caller commits once. `actor` is the user making the change
(None for system jobs such as a CLI import); it is recorded as updated_by and in
the audit log. Rule violations raise CatalogError with a Chinese message.

Package import uses the upserts with stable slugs — rows keep their ids, so
learners' progress survives a re-import:

    course, created = upsert_course(slug, actor, title=…, summary=…, category=…, …)
    chapter, created = upsert_chapter(course, slug, actor, title=…, position=…)
    lesson, created = upsert_lesson(course, slug, actor, chapter=…, title=…, kind=…,
                                    body=…, required=…, min_reading_seconds=…,
                                    settings=…, published=…, position=…)

The `sync_*` variants return (row, created, changed) and leave a row that would not
change untouched, so re-importing an unchanged package changes nothing.

Files (cover, images, attachments) are in mooc.catalog.media.
"""
from mooc.catalog.courses import (COURSE_FIELDS, CatalogError, course_by_slug, course_counts,
                                  create_course, delete_course, has_learners, publish_course,
                                  stale_courses, sync_course, touch, unpublish_course,
                                  update_course, upsert_course)
from mooc.catalog.outline import (LESSON_FIELDS, add_chapter, create_lesson, delete_chapter,
                                  delete_lesson, move_chapter, move_lesson, rename_chapter,
                                  rerender_all, set_lesson_published, sync_chapter,
                                  sync_lesson, touch_lesson, update_lesson, upsert_chapter,
                                  upsert_lesson)

__all__ = [
    "COURSE_FIELDS", "LESSON_FIELDS", "CatalogError", "add_chapter", "course_by_slug",
    "course_counts", "create_course", "create_lesson", "delete_chapter", "delete_course",
    "delete_lesson", "has_learners", "move_chapter", "move_lesson", "publish_course",
    "rename_chapter", "rerender_all", "set_lesson_published", "stale_courses", "sync_chapter",
    "sync_course", "sync_lesson", "touch",
    "touch_lesson", "unpublish_course", "update_course", "update_lesson", "upsert_chapter",
    "upsert_course", "upsert_lesson",
]
