"""Authoring: owners and admins build, reorder, publish and preview courses; others can't."""
import io
import re
import sys
import types
from datetime import timedelta

import pytest
from sqlalchemy import select

from mooc.catalog.models import Attachment, Chapter, Course, CourseMedia, Lesson
from mooc.core.models import AuditEvent
from mooc.extensions import db as _db
from tests.catalog_factories import make_course, make_lesson
from tests.conftest import csrf_token, login

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 100


@pytest.fixture
def teacher(login_as):
    return login_as(username="teacher", role="instructor", name="王讲师")


def text(response):
    return response.get_data(as_text=True)


def post(client, url, data=None, page=None, **kwargs):
    data = dict(data or {}, csrf_token=csrf_token(client, page or "/author/courses"))
    return client.post(url, data=data, **kwargs)


def create_course(client, **fields):
    data = {"title": "学习党章", "summary": "逐条学习", "category": "theory",
            "course_type": "required", "credit_hours": "2", "visibility": "open",
            "owners": [], **fields}
    return post(client, "/author/courses/new", data, page="/author/courses/new")


def test_instructor_builds_and_publishes_a_course(client, teacher, make_user):
    response = create_course(client, owners=[str(teacher.id)])
    assert response.status_code == 302, text(response)[:2000]
    course = _db.session.scalar(select(Course))
    assert [o.id for o in course.owners] == [teacher.id]
    assert (course.title, course.category, course.course_type, course.credit_hours) == \
        ("学习党章", "theory", "required", 2.0)
    assert course.status == "draft" and course.created_by_id == teacher.id
    base = f"/author/courses/{course.id}"

    for title in ("总纲", "党员"):
        post(client, f"{base}/chapters", {"title": title})
    first, second = course.chapters
    assert [c.title for c in course.chapters] == ["总纲", "党员"]
    post(client, f"{base}/chapters/{second.id}/move", {"direction": "up"})
    _db.session.expire_all()
    assert [c.title for c in course.chapters] == ["党员", "总纲"]
    post(client, f"{base}/chapters/{first.id}/rename", {"title": "第一章 总纲"})
    _db.session.expire_all()
    assert _db.session.get(Chapter, first.id).title == "第一章 总纲"

    for title in ("第一条", "第二条"):
        response = post(client, f"{base}/lessons/new", {
            "title": title, "chapter": str(first.id), "kind": "text", "required": "y",
            "body": f"{title}的内容"}, page=f"{base}/lessons/new?chapter={first.id}")
        assert response.status_code == 302, text(response)[:2000]
    lessons = _db.session.get(Chapter, first.id).lessons
    assert [l.title for l in lessons] == ["第一条", "第二条"]
    assert all(l.published and l.updated_by_id == teacher.id for l in lessons)
    post(client, f"{base}/lessons/{lessons[1].id}/move", {"direction": "up"})
    _db.session.expire_all()
    assert [l.title for l in _db.session.get(Chapter, first.id).lessons] == ["第二条", "第一条"]

    # Preview: the owner sees the draft as a learner would; a learner gets 404.
    preview = text(client.get(f"/courses/{course.id}"))
    assert "预览" in preview and "第二条" in preview
    learner = client.application.test_client()
    login(learner, make_user("learner1").username)
    assert learner.get(f"/courses/{course.id}").status_code == 404

    response = post(client, f"{base}/publish", follow_redirects=True)
    assert "课程已发布" in text(response)
    assert learner.get(f"/courses/{course.id}").status_code == 200
    assert _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "course.publish"))


def test_edit_lesson_records_who_and_bumps_content_date(client, teacher):
    course = make_course(owner=teacher)
    lesson = course.ordered_lessons()[0]
    old = course.content_updated_at - timedelta(days=400)
    course.content_updated_at = old
    _db.session.commit()
    url = f"/author/courses/{course.id}/lessons/{lesson.id}"
    response = post(client, url, {"title": "新标题", "chapter": str(lesson.chapter_id),
                                  "kind": "text", "body": "新内容<script>x</script>"}, page=url)
    assert response.status_code == 302, text(response)[:2000]
    _db.session.expire_all()
    lesson = _db.session.get(Lesson, lesson.id)
    assert lesson.title == "新标题" and lesson.updated_by_id == teacher.id
    assert "<script>" not in lesson.body_html
    assert _db.session.get(Course, course.id).content_updated_at > old


def test_bad_input_is_explained_not_500(client, teacher):
    response = create_course(client, title="", credit_hours="abc", visibility="restricted")
    assert response.status_code == 200
    assert "请输入课程名称" in text(response)
    response = create_course(client, visibility="restricted", owners=[str(teacher.id)])
    assert "至少要选择一个组织或一种政治面貌" in text(response)
    response = create_course(client, slug="Bad Slug!")
    assert "标识只能使用小写字母" in text(response)
    response = create_course(client, orgs=["999999"])
    assert response.status_code == 200
    assert _db.session.scalar(select(Course)) is None


def test_restricted_course_form(client, teacher, make_org):
    unit = make_org("第一党支部")
    response = create_course(client, visibility="restricted", orgs=[str(unit.id)],
                             categories=["probationary", "candidate"],
                             owners=[str(teacher.id)])
    assert response.status_code == 302
    course = _db.session.scalar(select(Course))
    assert [o.id for o in course.orgs] == [unit.id]
    assert course.audience_categories == ["candidate", "probationary"]
    form = text(client.get(f"/author/courses/{course.id}/edit"))
    assert re.search(rf'value="{unit.id}"[^>]*selected|selected[^>]*value="{unit.id}"', form)


def test_instructor_cannot_drop_themselves(client, teacher, make_user):
    other = make_user(role="instructor")
    course = make_course(owner=teacher)
    url = f"/author/courses/{course.id}/edit"
    response = post(client, url, {"title": course.title, "category": "other",
                                  "course_type": "elective", "credit_hours": "1",
                                  "visibility": "open", "owners": [str(other.id)]}, page=url)
    assert "不能把自己从课程负责人中移除" in text(response)


def test_non_owner_instructor_gets_403_or_404(client, login_as, make_user):
    owner = make_user(role="instructor")
    published, draft = make_course(owner=owner), make_course(owner=owner, published=False)
    login_as(role="instructor")
    assert client.get(f"/author/courses/{published.id}").status_code == 403
    assert client.get(f"/author/courses/{draft.id}").status_code == 404
    lesson = published.ordered_lessons()[0]
    for url in (f"/author/courses/{published.id}/publish",
                f"/author/courses/{published.id}/lessons/{lesson.id}/delete"):
        assert post(client, url, page="/courses").status_code == 403
    assert _db.session.get(Lesson, lesson.id) is not None
    assert published.title not in text(client.get("/author/courses"))


def test_learners_cannot_author(client, login_as):
    login_as()
    assert client.get("/author/courses").status_code == 403
    assert client.get("/author/courses/new").status_code == 403


def test_admin_edits_any_course(client, login_as, make_user):
    course = make_course(owner=make_user(role="instructor"))
    login_as(role="admin")
    assert client.get(f"/author/courses/{course.id}").status_code == 200
    assert course.title in text(client.get("/author/courses"))


def test_publish_needs_a_lesson_and_unpublish_is_audited(client, teacher):
    empty = make_course(owner=teacher, lessons=0, published=False)
    response = post(client, f"/author/courses/{empty.id}/publish", follow_redirects=True)
    assert "至少需要一个已发布的课时" in text(response)
    course = make_course(owner=teacher)
    post(client, f"/author/courses/{course.id}/unpublish")
    assert _db.session.get(Course, course.id).status == "draft"
    assert _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "course.unpublish"))


def test_new_lessons_in_a_live_course_start_hidden(client, teacher):
    course = make_course(owner=teacher)
    base = f"/author/courses/{course.id}"
    post(client, f"{base}/lessons/new", {"title": "新课", "chapter": str(course.chapters[0].id),
                                         "kind": "text", "body": "内容"},
         page=f"{base}/lessons/new")
    lesson = _db.session.scalar(select(Lesson).where(Lesson.title == "新课"))
    assert not lesson.published
    post(client, f"{base}/lessons/{lesson.id}/publish")
    assert _db.session.get(Lesson, lesson.id).published
    assert _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "lesson.publish"))


def test_delete_lesson_chapter_and_course(client, teacher):
    course = make_course(owner=teacher, published=False, chapters=2)
    base = f"/author/courses/{course.id}"
    first, second = course.chapters
    response = post(client, f"{base}/chapters/{first.id}/delete", follow_redirects=True)
    assert "请先删除或移走本章的课时" in text(response)
    post(client, f"{base}/chapters/{second.id}/delete")
    lesson_id, course_id = course.ordered_lessons()[0].id, course.id
    post(client, f"{base}/lessons/{lesson_id}/delete")
    _db.session.expunge_all()
    assert _db.session.get(Lesson, lesson_id) is None
    response = post(client, f"{base}/delete", follow_redirects=True)
    assert "课程已删除" in text(response)
    _db.session.expunge_all()
    assert _db.session.get(Course, course_id) is None
    actions = set(_db.session.scalars(select(AuditEvent.action)))
    assert {"lesson.delete", "chapter.delete", "course.delete"} <= actions


def test_courses_with_learners_cannot_be_deleted(client, teacher, make_user):
    from mooc.catalog import learning
    course = make_course(owner=teacher)
    learning.enrol(make_user(), course)
    course.status = "draft"
    _db.session.commit()
    response = post(client, f"/author/courses/{course.id}/delete", follow_redirects=True)
    assert "已有学员报名或学习过本课程" in text(response)
    assert _db.session.get(Course, course.id) is not None


def test_image_upload_returns_markdown_for_the_editor(client, teacher):
    course = make_course(owner=teacher)
    lesson = course.ordered_lessons()[0]
    page = f"/author/courses/{course.id}/lessons/{lesson.id}"
    response = client.post(f"/author/courses/{course.id}/images", data={
        "csrf_token": csrf_token(client, page), "file": (io.BytesIO(PNG), "照片.png")},
        headers={"Accept": "application/json"})
    assert response.status_code == 200
    markdown = response.get_json()["markdown"]
    assert markdown.startswith("![照片](/courses/") and markdown.endswith(".png)")
    url = response.get_json()["url"]
    assert client.get(url).data == PNG
    # The rendered lesson keeps this image.
    post(client, page, {"title": lesson.title, "chapter": str(lesson.chapter_id),
                        "kind": "text", "body": markdown}, page=page)
    assert f'src="{url}"' in _db.session.get(Lesson, lesson.id).body_html

    response = client.post(f"/author/courses/{course.id}/images", data={
        "csrf_token": csrf_token(client, page), "file": (io.BytesIO(PDF), "伪装.png")},
        headers={"Accept": "application/json"})
    assert response.status_code == 400 and "不支持的文件类型" in response.get_json()["error"]


def test_attachments_upload_and_delete(client, teacher):
    course = make_course(owner=teacher)
    lesson = course.ordered_lessons()[0]
    page = f"/author/courses/{course.id}/lessons/{lesson.id}"
    response = client.post(f"{page}/attachments", data={
        "csrf_token": csrf_token(client, page), "file": (io.BytesIO(PDF), "../../学习材料.exe")},
        follow_redirects=True)
    assert "附件已上传" in text(response)
    attachment = _db.session.scalar(select(Attachment))
    assert attachment.filename == "学习材料.pdf" and attachment.mime == "application/pdf"
    response = client.post(f"{page}/attachments", data={
        "csrf_token": csrf_token(client, page), "file": (io.BytesIO(b"MZ..."), "a.pdf")},
        follow_redirects=True)
    assert "不支持的文件类型" in text(response)
    post(client, f"/author/courses/{course.id}/attachments/{attachment.id}/delete", page=page)
    assert _db.session.scalar(select(Attachment)) is None


def test_docx_import_unavailable_is_explained(client, teacher, monkeypatch):
    monkeypatch.setitem(sys.modules, "mooc.catalog.docx.importer", None)
    course = make_course(owner=teacher)
    lesson = course.ordered_lessons()[0]
    page = f"/author/courses/{course.id}/lessons/{lesson.id}"
    response = client.post(f"{page}/import-docx", data={
        "csrf_token": csrf_token(client, page), "file": (io.BytesIO(b"PK\x03\x04x"), "a.docx")},
        follow_redirects=True)
    assert "暂不可用" in text(response)


def test_docx_import_fills_the_editor_without_saving(client, teacher, monkeypatch):
    fake = types.ModuleType("mooc.catalog.docx.importer")

    def docx_to_markdown(data, store_image):
        url = store_image(PNG, "图1.png")
        return f"# 从 Word 来\n\n![图1]({url})", ["忽略了一个文本框"]

    fake.docx_to_markdown = docx_to_markdown
    monkeypatch.setitem(sys.modules, "mooc.catalog.docx.importer", fake)
    course = make_course(owner=teacher)
    lesson = course.ordered_lessons()[0]
    before = lesson.body
    page = f"/author/courses/{course.id}/lessons/{lesson.id}"
    response = client.post(f"{page}/import-docx", data={
        "csrf_token": csrf_token(client, page), "file": (io.BytesIO(b"PK\x03\x04x"), "a.docx")})
    body = text(response)
    assert "# 从 Word 来" in body and "忽略了一个文本框" in body and "尚未保存" in body
    assert _db.session.get(Lesson, lesson.id).body == before
    assert _db.session.scalar(select(CourseMedia).where(CourseMedia.course_id == course.id))


def test_lesson_pages_work_for_every_kind(client, teacher):
    course = make_course(owner=teacher, lessons=0)
    for kind in ("text", "video", "quiz"):
        lesson = make_lesson(course, f"{kind}课", kind=kind)
        assert client.get(f"/author/courses/{course.id}/lessons/{lesson.id}").status_code == 200
        assert client.get(f"/courses/{course.id}/lessons/{lesson.id}").status_code == 200
