"""huey tasks for video lessons.

Imported at app start (create_app calls `register_tasks`), so the worker process
knows them and services can enqueue by job kind without importing this module.
"""
from mooc.core import jobs
from mooc.video import services
from mooc.video.processing.transcoding import process


@jobs.task()
def process_video_task(job_id, asset_id):
    process(job_id, asset_id)


def register_tasks(app):
    jobs.register_task(app, services.TRANSCODE_JOB, process_video_task)
