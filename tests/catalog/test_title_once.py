"""A lesson whose Markdown starts with its own title shows the title once."""
from mooc.catalog.rendering import without_title
from tests.catalog_factories import make_course, make_lesson


def test_leading_heading_equal_to_the_title_is_dropped():
    assert without_title('<h1 id="x">学习党章</h1>\n<p>正文</p>', "学习党章") == "<p>正文</p>"
    assert without_title("<h2>学习&amp;党章</h2><p>正文</p>", "学习&党章") == "<p>正文</p>"
    kept = "<h1>第一节</h1><p>正文</p>"
    assert without_title(kept, "学习党章") == kept
    assert without_title("<p>学习党章</p>", "学习党章") == "<p>学习党章</p>"


def test_lesson_page_shows_the_title_once(client, login_as):
    login_as()
    course = make_course("标题课程", lessons=0)
    lesson = make_lesson(course, "学习党章", body="# 学习党章\n\n党章是党的根本大法。")
    html = client.get(f"/courses/{course.id}/lessons/{lesson.id}").get_data(as_text=True)
    assert html.count(">学习党章</h") == 1 and "党章是党的根本大法" in html


def test_generated_slugs_are_pinyin(app):
    course = make_course("学习党章", lessons=0)
    lesson = make_lesson(course, "第一课 党的性质")
    assert course.slug.startswith("xue-xi-dang-zhang")
    assert lesson.slug.startswith("di-yi-ke-dang-de-xing-zhi")


def test_video_page_does_not_say_video_twice(client, login_as):
    teacher = login_as(role="instructor")
    course = make_course("视频课程", owner=teacher, lessons=0)
    lesson = make_lesson(course, "视频：学习党章", kind="video")
    html = client.get(f"/author/courses/{course.id}/lessons/{lesson.id}/video").get_data(as_text=True)
    assert "视频：视频" not in html and "视频 · 视频" not in html
    assert f"/author/courses/{course.id}\"" in html   # the way back to the outline
