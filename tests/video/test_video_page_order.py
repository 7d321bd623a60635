"""The video lesson's text introduces the video, so it is shown above the player (issue 17)."""
from tests.catalog_factories import make_course, make_lesson
from tests.video.test_video_media import ready_video


def test_the_lesson_text_comes_before_the_player(app, client, login_as):
    lesson = make_lesson(make_course(lessons=0), "视频课", kind="video",
                         body="请观看下面的视频，然后完成测验。")
    ready_video(lesson)
    login_as()
    page = client.get(f"/courses/{lesson.course_id}/lessons/{lesson.id}").get_data(as_text=True)
    assert "请观看下面的视频" in page and "<video" in page
    assert page.index("请观看下面的视频") < page.index("<video")
