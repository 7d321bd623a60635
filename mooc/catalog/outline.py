"""Course outline rules: chapters and lessons (create, change, order, publish, delete).

Plain functions; the caller commits. Each change records who/when on the lesson and
bumps the course's `content_updated_at` (see courses.touch). Callers use
mooc.catalog.services, which re-exports this. Package import calls
`upsert_chapter` / `upsert_lesson` with stable slugs: the row keeps its id, so the
progress learners recorded against it survives a re-import.
"""
from sqlalchemy import select, update

from mooc.catalog import kinds
from mooc.catalog.models import PUBLISHED, Chapter, Course, Enrollment, Lesson
from mooc.catalog.rendering import render_markdown
from mooc.catalog.courses import (CatalogError, check_slug, clean_title, move_in_list,
                                  renumber, slug_from_title, touch, unique_slug)
from mooc.core.models import utcnow
from mooc.core.services import audit
from mooc.core.textnorm import clean_pasted_text
from mooc.extensions import db

MAX_BODY_CHARS = 200_000
MAX_READING_SECONDS = 2 * 3600
LESSON_FIELDS = ("title", "chapter", "kind", "body", "required", "min_reading_seconds",
                 "settings", "published")


def touch_lesson(lesson, actor):
    lesson.updated_at = utcnow()
    lesson.updated_by_id = getattr(actor, "id", None)
    touch(lesson.course, actor)


def _slugs_in_use(course, model):
    """The `model` (Chapter/Lesson) slugs of `course` in the database, read while holding
    a lock on the course row until commit.

    Without the lock two writers adding to one course at once both pick the same
    generated slug on PostgreSQL and one fails on the unique constraint (SQLite
    serialises writers with BEGIN IMMEDIATE; FOR UPDATE is a no-op there).
    """
    if course.id is None:  # not in the database yet: nobody else can add to it
        return set()
    db.session.execute(select(Course.id).where(Course.id == course.id).with_for_update())
    return set(db.session.scalars(select(model.slug).where(model.course_id == course.id)))


# --------------------------------------------------------------------------
# Chapters
# --------------------------------------------------------------------------

def _chapter_slug(course, slug, title):
    in_use = _slugs_in_use(course, Chapter)
    taken = lambda s: s in in_use or any(c.slug == s for c in course.chapters)  # noqa: E731
    if slug:
        slug = check_slug(slug)
        if taken(slug):
            raise CatalogError(f"本课程已有标识为“{slug}”的章节。")
        return slug
    return unique_slug(f"chapter-{len(course.chapters) + 1}", taken)


def add_chapter(course, actor, title, *, slug=None, position=None):
    chapter = Chapter(course=course, slug=_chapter_slug(course, slug, title),
                      title=clean_title(title))
    db.session.add(chapter)
    chapters = [c for c in course.chapters if c is not chapter]
    chapters.insert(len(chapters) if position is None else max(0, position), chapter)
    renumber(chapters)
    touch(course, actor)
    db.session.flush()
    return chapter


def rename_chapter(chapter, actor, title):
    chapter.title = clean_title(title)
    touch(chapter.course, actor)


def move_chapter(chapter, actor, direction):
    if move_in_list(chapter.course.chapters, chapter, direction):
        touch(chapter.course, actor)


def delete_chapter(chapter, actor):
    if chapter.lessons:
        raise CatalogError("请先删除或移走本章的课时，再删除章节。")
    course = chapter.course
    course.chapters.remove(chapter)
    renumber(course.chapters)
    touch(course, actor)
    audit("chapter.delete", chapter, f"删除章节 {chapter.title}", actor=actor,
          course_id=course.id)


def sync_chapter(course, slug, actor, *, title, position=None):
    """(chapter, created, changed); an unchanged chapter is left untouched."""
    chapter = next((c for c in course.chapters if c.slug == check_slug(slug)), None)
    if chapter is None:
        return add_chapter(course, actor, title, slug=slug, position=position), True, True
    changed = chapter.title != clean_title(title)
    if changed:
        rename_chapter(chapter, actor, title)
    if position is not None:
        chapters = [c for c in course.chapters if c is not chapter]
        chapters.insert(max(0, position), chapter)
        before = [c.position for c in course.chapters]
        renumber(chapters)
        changed = changed or before != [c.position for c in course.chapters]
    return chapter, False, changed


def upsert_chapter(course, slug, actor, *, title, position=None):
    chapter, created, _changed = sync_chapter(course, slug, actor, title=title,
                                              position=position)
    return chapter, created


# --------------------------------------------------------------------------
# Lessons
# --------------------------------------------------------------------------

def _clean_lesson_fields(course, fields):
    clean = {}
    if "title" in fields:
        clean["title"] = clean_title(fields["title"])
    if "chapter" in fields:
        chapter = fields["chapter"]
        if chapter is None or chapter.course_id != course.id:
            raise CatalogError("请选择本课程的章节。")
        clean["chapter"] = chapter
    if "kind" in fields:
        if fields["kind"] not in kinds.KINDS:
            raise CatalogError("课时类型无效。")
        clean["kind"] = fields["kind"]
    if "body" in fields:
        body = clean_pasted_text(fields["body"] or "")
        if len(body) > MAX_BODY_CHARS:
            raise CatalogError(f"正文过长（最多 {MAX_BODY_CHARS} 个字符），请拆分为多个课时。")
        clean["body"] = body
    if "min_reading_seconds" in fields:
        seconds = fields["min_reading_seconds"]
        if seconds is not None and (not isinstance(seconds, int)
                                    or not 0 <= seconds <= MAX_READING_SECONDS):
            raise CatalogError("最短学习时间应在 0 到 7200 秒之间，留空则按字数估算。")
        clean["min_reading_seconds"] = seconds
    if "settings" in fields:
        if not isinstance(fields["settings"], dict):
            raise CatalogError("课时设置格式无效。")
        clean["settings"] = dict(fields["settings"])
    for flag in ("required", "published"):
        if flag in fields:
            clean[flag] = bool(fields[flag])
    return clean


def _apply_lesson_fields(lesson, clean):
    old_chapter = lesson.chapter
    for key, value in clean.items():
        setattr(lesson, key, value)
    if "body" in clean:
        lesson.body_html = render_markdown(lesson.body, course_id=lesson.course.id)
    if old_chapter is not None and lesson.chapter is not old_chapter:
        # Moved to another chapter: it goes last there; close the gap it left.
        siblings = [l for l in lesson.chapter.lessons if l is not lesson]
        renumber(siblings + [lesson])
        renumber([l for l in old_chapter.lessons if l is not lesson])


def create_lesson(course, actor, *, chapter, title, slug=None, kind="text", position=None,
                  **fields):
    unknown = set(fields) - set(LESSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown lesson fields: {sorted(unknown)}")
    in_use = _slugs_in_use(course, Lesson)
    taken = lambda s: s in in_use or any(l.slug == s for l in course.lessons)  # noqa: E731
    if slug:
        if taken(check_slug(slug)):
            raise CatalogError(f"本课程已有标识为“{slug}”的课时。")
    else:
        slug = unique_slug(slug_from_title(title, f"lesson-{len(course.lessons) + 1}"), taken)
    # New lessons in a live course stay hidden until their author publishes them;
    # in a draft course the course's own status already hides everything.
    fields.setdefault("published", course.status != PUBLISHED)
    fields.setdefault("settings", kinds.kind_for(kind).default_settings())
    clean = _clean_lesson_fields(course, {"title": title, "chapter": chapter, "kind": kind,
                                          "body": fields.pop("body", ""), **fields})
    siblings = list(clean["chapter"].lessons)
    with db.session.no_autoflush:  # not a row until every required column is set
        lesson = Lesson(course=course, slug=slug, created_at=utcnow())
        _apply_lesson_fields(lesson, clean)
        siblings.insert(len(siblings) if position is None else max(0, position), lesson)
        renumber(siblings)
        touch_lesson(lesson, actor)
    db.session.add(lesson)
    db.session.flush()
    return lesson


def update_lesson(lesson, actor, **fields):
    unknown = set(fields) - set(LESSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown lesson fields: {sorted(unknown)}")
    published = fields.pop("published", None)
    _apply_lesson_fields(lesson, _clean_lesson_fields(lesson.course, fields))
    if published is not None:
        set_lesson_published(lesson, actor, published)
    touch_lesson(lesson, actor)
    audit("lesson.update", lesson, f"修改课时 {lesson.title}", actor=actor,
          course_id=lesson.course_id, fields=sorted(fields))
    return lesson


def lesson_changes(lesson, **fields):
    """The subset of `fields` that would change `lesson` (checked as update_lesson would)."""
    clean = _clean_lesson_fields(lesson.course, fields)
    return {key: fields[key] for key, value in clean.items() if getattr(lesson, key) != value}


def sync_lesson(course, slug, actor, *, chapter, title, position=None, **fields):
    """(lesson, created, changed). The id stays on update, so learners' progress is kept;
    an update that changes nothing leaves the lesson (and its course) untouched."""
    lesson = next((l for l in course.lessons if l.slug == check_slug(slug)), None)
    if lesson is None:
        return create_lesson(course, actor, chapter=chapter, title=title, slug=slug,
                             position=position, **fields), True, True
    changes = lesson_changes(lesson, chapter=chapter, title=title, **fields)
    if changes:
        update_lesson(lesson, actor, **changes)
    moved = False
    if position is not None:
        siblings = [l for l in lesson.chapter.lessons if l is not lesson]
        siblings.insert(max(0, position), lesson)
        moved = [l.id for l in lesson.chapter.lessons] != [l.id for l in siblings]
        renumber(siblings)
    return lesson, False, bool(changes) or moved


def upsert_lesson(course, slug, actor, *, chapter, title, position=None, **fields):
    """(lesson, created). The id stays on update, so learners' progress is kept."""
    lesson, created, _changed = sync_lesson(course, slug, actor, chapter=chapter, title=title,
                                            position=position, **fields)
    return lesson, created


def set_lesson_published(lesson, actor, published):
    if lesson.published != bool(published):
        lesson.published = bool(published)
        touch_lesson(lesson, actor)
        action = "lesson.publish" if published else "lesson.unpublish"
        audit(action, lesson, f"{'发布' if published else '下线'}课时 {lesson.title}",
              actor=actor, course_id=lesson.course_id)


def move_lesson(lesson, actor, direction):
    if move_in_list(lesson.chapter.lessons, lesson, direction):
        touch_lesson(lesson, actor)


def delete_lesson(lesson, actor):
    """Deletes the lesson's progress rows too (the UI asks first); a package importer
    should rather unpublish lessons that left the package."""
    course, chapter = lesson.course, lesson.chapter
    audit("lesson.delete", lesson, f"删除课时 {lesson.title}", actor=actor,
          course_id=course.id, slug=lesson.slug)
    db.session.execute(update(Enrollment).where(Enrollment.last_lesson_id == lesson.id)
                       .values(last_lesson_id=None))
    db.session.delete(lesson)
    db.session.flush()
    db.session.expire(chapter, ["lessons"])
    db.session.expire(course, ["lessons"])
    renumber(chapter.lessons)
    touch(course, actor)


def rerender_all():
    """Re-render cached lesson HTML (after the sanitiser's rules change). Returns a count."""
    count = 0
    for lesson in db.session.scalars(select(Lesson)):
        html = render_markdown(lesson.body, course_id=lesson.course_id)
        if html != lesson.body_html:
            lesson.body_html = html
            count += 1
    return count
