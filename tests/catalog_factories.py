"""Course and lesson factories: saved objects built through the real services."""
import itertools

from mooc.catalog import services
from mooc.extensions import db

_counter = itertools.count(1)
BODY = "# 学习要点\n\n坚持和加强党的全面领导。" * 3


def make_course(title=None, *, owner=None, published=True, visibility="open", orgs=(),
                categories=(), lessons=1, chapters=1, body=BODY, **fields):
    """A course with `chapters` chapters and `lessons` text lessons in the first chapter."""
    n = next(_counter)
    owners = [owner] if owner is not None else []
    course = services.create_course(owner, title=title or f"测试课程{n}", owners=owners,
                                    visibility=visibility, orgs=list(orgs),
                                    categories=list(categories), **fields)
    for c in range(chapters):
        services.add_chapter(course, owner, f"第{c + 1}章")
    for i in range(lessons):
        services.create_lesson(course, owner, chapter=course.chapters[0],
                               title=f"第{i + 1}课", body=body)
    if published and lessons:
        services.publish_course(course, owner)
    elif published:
        course.status = "published"  # an empty live course, for tests that add lessons
    db.session.commit()
    return course


def make_lesson(course, title=None, *, chapter=None, body=BODY, actor=None, published=True,
                **fields):
    lesson = services.create_lesson(course, actor, chapter=chapter or course.chapters[0],
                                    title=title or f"课时{next(_counter)}", body=body,
                                    published=published, **fields)
    db.session.commit()
    return lesson


def access_matrix_params(app, make_user, make_org, committee=None, branch=None):
    """URL parameters for tests/core/test_access_matrix.py (append to its PARAM_HOOKS).

    The sample course is published, open to everyone and owned by an instructor who is
    not one of the matrix's users, so authoring routes are for admins only there.
    """
    import io

    from werkzeug.datastructures import FileStorage

    from mooc.catalog import media
    owner = make_user(username="matrix-course-owner", role="instructor", org=branch)
    course = make_course("矩阵课程", owner=owner)
    lesson = course.ordered_lessons()[0]
    attachment = media.add_attachment(lesson, owner, FileStorage(
        io.BytesIO(b"%PDF-1.4\n" + b"0" * 64), "材料.pdf"))
    image, _url = media.add_course_image(course, owner, FileStorage(
        io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), "图.png"))
    db.session.commit()
    return {"course_id": course.id, "lesson_id": lesson.id, "chapter_id": course.chapters[0].id,
            "attachment_id": attachment.id, "key": image.storage_key}
