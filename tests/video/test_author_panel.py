"""The lesson editor shows the kind's own authoring panel (video upload for video lessons)."""
from tests.catalog_factories import make_course, make_lesson


def test_video_lesson_editor_offers_upload(client, login_as, make_user):
    owner = login_as(role="instructor")
    course = make_course(owner=owner)
    lesson = make_lesson(course, "视频课时", kind="video", actor=owner)
    page = client.get(f"/author/courses/{course.id}/lessons/{lesson.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="video-author"' in html and "js/upload.js" in html


def test_text_lesson_editor_has_no_video_panel(client, login_as):
    owner = login_as(role="instructor")
    course = make_course(owner=owner)
    lesson = course.lessons[0]
    html = client.get(f"/author/courses/{course.id}/lessons/{lesson.id}").get_data(as_text=True)
    assert 'id="video-author"' not in html
