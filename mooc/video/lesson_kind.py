"""The video lesson kind: the catalogue's placeholder, now with a player.

Re-registered under the same name, so lessons stored as "video" pick it up; imported
at app start by mooc.video.views.
"""
from flask_babel import lazy_gettext as _l

from mooc.catalog import kinds


@kinds.register
class VideoLessonKind(kinds.VideoLesson):
    name = "video"
    template = "video/lesson.html"
    # For the lesson edit page: `{% include lesson.kind_class.author_template %}`.
    author_template = "video/author_panel.html"
    completion_rule = _l("观看视频达到要求后自动完成")

    @classmethod
    def learner_context(cls, lesson, user):
        from mooc.video.player import player_context
        return {"video": player_context(lesson, user)}

