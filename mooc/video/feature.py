"""Video lessons: resumable upload, transcoding, the player and honest watch tracking."""
from mooc.core import jobs
from mooc.core.registry import mark_registered
from mooc.video import api, cli, tasks, views


def register(app):
    mark_registered(app, "video")
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.video_group)
    jobs.register_tasks(app, tasks)
