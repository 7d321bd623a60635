"""What the index holds: one document per published course, lesson, attachment and
transcript cue. Providers read the database as it is now, so replaying a change is
always safe; anything unpublished yields nothing and is removed from the index.

A lesson's own documents come from its kind (`search_documents`): the video kind adds
one per caption cue, and the quiz kind leaves questions and answers out.
"""
import io
import logging

from flask import current_app

from mooc.catalog.models import PUBLISHED, Course, Lesson
from mooc.catalog.visibility import visible_course_ids_query
from mooc.core import storage, ziplimits
from mooc.extensions import db
from mooc.search import services

log = logging.getLogger(__name__)
MAX_ATTACHMENT_CHARS = 200_000


def _url(endpoint, **values):
    """A site-relative URL. The indexer runs in the worker, outside any request, where
    url_for would need SERVER_NAME; the path needs only the URL map."""
    root = current_app.config.get("APPLICATION_ROOT") or "/"
    return current_app.url_map.bind("localhost", script_name=root).build(endpoint, values)


def course_documents(course_id):
    course = db.session.get(Course, course_id)
    if course is None or course.status != PUBLISHED:
        return []
    return [{"doc_id": f"course:{course.id}", "kind": "course", "course_id": course.id,
             "title": course.title, "body": course.summary or "",
             "tags": [str(course.category_label), str(course.type_label)],
             "url": _url("catalog.course", course_id=course.id)}]


def lesson_documents(lesson_id):
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or not lesson.published or lesson.course.status != PUBLISHED:
        return []
    base = {"course_id": lesson.course_id, "lesson_id": lesson.id, "lesson_kind": lesson.kind}
    url = _url("catalog.lesson", course_id=lesson.course_id, lesson_id=lesson.id)
    docs = lesson.kind_class.search_documents(lesson, base, url)
    for attachment in lesson.attachments:
        text = attachment_text(attachment)
        if text:
            docs.append({**base, "doc_id": f"lesson:{lesson.id}#att{attachment.id}",
                         "kind": "attachment", "title": f"{lesson.title} · {attachment.filename}",
                         "body": text, "url": _url("catalog.attachment",
                                                   attachment_id=attachment.id)})
    return docs


def attachment_text(attachment):
    """Plain text of a PDF or Word attachment; empty when it cannot be read."""
    try:
        path = storage.path_for(attachment.storage_key)
        data = path.read_bytes()
        name = attachment.filename.lower()
        if name.endswith(".pdf") or data[:4] == b"%PDF":
            from pypdf import PdfReader
            reader = PdfReader(io.BytesIO(data))
            text = "\n".join((page.extract_text() or "") for page in reader.pages[:200])
        elif name.endswith(".docx"):
            import docx
            ziplimits.check_zip(data)  # a bomb would hold the indexer for minutes
            document = docx.Document(io.BytesIO(data))
            text = "\n".join(p.text for p in document.paragraphs)
        else:
            return ""
    except Exception:  # an unreadable file is simply not searchable, never an error
        log.warning("could not extract text from attachment %s", attachment.id, exc_info=True)
        return ""
    return text[:MAX_ATTACHMENT_CHARS]


def _all_course_ids():
    return db.session.scalars(db.select(Course.id).where(Course.status == PUBLISHED)).all()


def _all_lesson_ids():
    return db.session.scalars(db.select(Lesson.id).join(Course)
                              .where(Course.status == PUBLISHED, Lesson.published)).all()


def register(app):
    services.register_provider(app, "course", course_documents, _all_course_ids)
    services.register_provider(app, "lesson", lesson_documents, _all_lesson_ids)


def _visible_course_ids(user):
    return db.session.scalars(visible_course_ids_query(user)).all()


services.set_visibility_rule(_visible_course_ids)
