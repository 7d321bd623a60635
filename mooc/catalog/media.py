"""Course files: cover and lesson images, lesson attachments, .docx import.

Everything goes through mooc.core.storage (content-addressed, sniffed types); rows
here record which course or lesson may show a stored file, and under what name.
"""
import os
import sys

from flask import current_app
from sqlalchemy import exists, select

from mooc.catalog import covers
from mooc.catalog.models import Attachment, Course, CourseMedia
from mooc.catalog.rendering import media_url
from mooc.catalog.outline import touch_lesson
from mooc.catalog.courses import CatalogError, touch
from mooc.core import storage
from mooc.core.models import utcnow
from mooc.core.services import audit
from mooc.extensions import db
from mooc.core.textclean import clean_line

MAX_IMAGE_BYTES = 5 * 1024 ** 2
MAX_ATTACHMENT_BYTES = 50 * 1024 ** 2
ATTACHMENT_EXTS = storage.DOCUMENT_EXTS
IMAGE_EXTS = storage.IMAGE_EXTS
STORAGE_OWNER = "catalog"  # lesson attachments, course images and covers


def _limit(name, default):
    return int(current_app.config.get(name, default))


def _display_name(filename, ext):
    """The uploader's filename for display only, with the sniffed extension."""
    base = os.path.basename(clean_line(filename).replace("\\", "/")).strip()
    stem = os.path.splitext(base)[0][:200].strip() or "附件"
    return f"{stem}.{ext}"


def _store(upload, *, max_bytes, allowed_exts):
    if upload is None:
        raise CatalogError("请选择要上传的文件。")
    try:
        return storage.store_stream(upload, owner=STORAGE_OWNER, max_bytes=max_bytes,
                                    allowed_exts=allowed_exts)
    except storage.StorageError as exc:
        raise CatalogError(str(exc))


def _media_row(course, actor, stored, filename):
    row = db.session.scalar(select(CourseMedia).where(CourseMedia.course_id == course.id,
                                                      CourseMedia.storage_key == stored.key))
    if row is None:
        row = CourseMedia(course_id=course.id, storage_key=stored.key, mime=stored.mime,
                          size=stored.size, filename=_display_name(filename, stored.ext),
                          created_by_id=getattr(actor, "id", None), created_at=utcnow())
        db.session.add(row)
        db.session.flush()
    return row


def add_course_image(course, actor, upload, filename=None):
    """Store an image for use in the course; returns (CourseMedia, url)."""
    stored = _store(upload, max_bytes=_limit("MAX_IMAGE_BYTES", MAX_IMAGE_BYTES),
                    allowed_exts=IMAGE_EXTS)
    row = _media_row(course, actor, stored, filename or getattr(upload, "filename", ""))
    return row, media_url(course.id, row.storage_key)


def add_image_bytes(course, actor, data, filename=""):
    """The same for bytes (images found inside an imported .docx or package)."""
    stored = storage.store_bytes(data, owner=STORAGE_OWNER,
                                 max_bytes=_limit("MAX_IMAGE_BYTES", MAX_IMAGE_BYTES),
                                 allowed_exts=IMAGE_EXTS)
    row = _media_row(course, actor, stored, filename)
    return row, media_url(course.id, row.storage_key)


def set_cover(course, actor, upload):
    """The cover, resized on the server when it is larger than the page ever shows."""
    limit = _limit("MAX_IMAGE_BYTES", MAX_IMAGE_BYTES)
    data = upload.stream.read(limit + 1) if hasattr(upload, "stream") else upload.read(limit + 1)
    resized = covers.resized_cover(data) if len(data) <= limit else None
    name = getattr(upload, "filename", "") or "cover"
    if resized is not None:
        name = os.path.splitext(name)[0] + ".jpg"
    row, _url = add_image_bytes(course, actor, resized or data, filename=name)
    course.cover_key = row.storage_key
    touch(course, actor)
    return row


def remove_cover(course, actor):
    course.cover_key = None
    touch(course, actor)


def media_for(course_id, key):
    return db.session.scalar(select(CourseMedia).where(CourseMedia.course_id == course_id,
                                                       CourseMedia.storage_key == key))


def add_attachment(lesson, actor, upload, filename=None):
    stored = _store(upload, max_bytes=_limit("MAX_ATTACHMENT_BYTES", MAX_ATTACHMENT_BYTES),
                    allowed_exts=ATTACHMENT_EXTS)
    attachment = Attachment(lesson=lesson, storage_key=stored.key, mime=stored.mime,
                            size=stored.size, position=len(lesson.attachments),
                            filename=_display_name(filename or getattr(upload, "filename", ""),
                                                   stored.ext),
                            created_by_id=getattr(actor, "id", None), created_at=utcnow())
    db.session.add(attachment)
    touch_lesson(lesson, actor)
    db.session.flush()
    return attachment


def delete_attachment(attachment, actor):
    lesson = attachment.lesson
    lesson.attachments.remove(attachment)
    touch_lesson(lesson, actor)
    audit("attachment.delete", attachment, f"删除附件 {attachment.filename}", actor=actor,
          lesson_id=lesson.id)
    # The file itself goes later, in storage.collect_garbage, once nothing uses it.


def import_docx(lesson, actor, upload):
    """(markdown, warnings) converted from a Word file; images become course images.

    Nothing on the lesson changes: the author reviews the text in the editor and saves.
    """
    try:  # imported here: a missing importer must leave the editor working (tested)
        from mooc.catalog.docx.importer import docx_to_markdown
    except ImportError:
        raise CatalogError("Word 导入功能暂不可用。")
    max_bytes = _limit("MAX_IMPORT_BYTES", 10 * 1024 ** 2)
    stream = getattr(upload, "stream", upload)
    data = stream.read(max_bytes + 1) if stream is not None else b""
    if not data:
        raise CatalogError("请选择要导入的 Word 文件（.docx）。")
    if len(data) > max_bytes:
        raise CatalogError(f"文件太大：最大允许 {storage.human_size(max_bytes)}。")
    if not data.startswith(b"PK\x03\x04"):
        raise CatalogError("只支持 Word 2007 及以上的 .docx 文件；.doc 请先在 Word 中另存为 .docx。")

    def store_image(image_data, ext=""):
        # The converter passes the picture's type, not a name; StorageError (a
        # ValueError) tells it to skip the picture with a warning.
        return add_image_bytes(lesson.course, actor, image_data, f"Word 图片.{ext}")[1]

    # The converter's own refusal carries a Chinese message worth showing as it is.
    refused = getattr(sys.modules.get(docx_to_markdown.__module__), "DocxImportError",
                      CatalogError)
    try:
        markdown, warnings = docx_to_markdown(data, store_image)
    except (storage.StorageError, CatalogError, refused) as exc:
        raise CatalogError(str(exc))
    except Exception as exc:  # a damaged file must explain itself, not 500
        current_app.logger.warning("docx import failed: %s", exc)
        raise CatalogError("无法读取该 Word 文件，文件可能已损坏或不是 .docx 格式。")
    return markdown, list(warnings or [])


def uses_stored_file(key):
    return bool(db.session.scalar(select(
        exists().where(Attachment.storage_key == key)
        | exists().where(CourseMedia.storage_key == key)
        | exists().where(Course.cover_key == key))))

