"""huey tasks for video lessons.

Named by the video feature's register(app), so the worker knows them; services queue
them by name (jobs.start_job(…, "process_video_task", …)) and never import this module.
"""
from mooc.core import jobs
from mooc.video.ladder import upgrade
from mooc.video.processing.transcoding import process


@jobs.task()
def process_video_task(job_id, asset_id):
    process(job_id, asset_id)



@jobs.task()
def upgrade_video_task(job_id, asset_id):
    upgrade(job_id, asset_id)
