"""Video lessons: resumable upload, transcoding, the player and honest watch tracking."""
from mooc.catalog import kinds as lesson_kinds
from mooc.core import fastpath, jobs, storage
from mooc.core.registry import contributions, mark_registered
from mooc.video import api, cli, ladder, services, tasks, views
from mooc.video.lesson_kind import VideoLessonKind


def register(app):
    mark_registered(app, "video")
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    fastpath.register(app, "video_api.heartbeat", api.fast_heartbeat, max_body=api.MAX_BEAT_BYTES)
    app.cli.add_command(cli.video_group)
    lesson_kinds.register(VideoLessonKind)
    storage.register_reference_check(app, services.STORAGE_OWNER, services.uses_stored_file)
    jobs.register_tasks(app, tasks)
    contributions(app).worker_startup.append(ladder.queue_upgrades_at_start)
