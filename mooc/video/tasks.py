"""huey tasks for video lessons (imported at app start by mooc.video.views, so the
worker process knows them)."""
from mooc.core.jobs import task


@task()
def process_video_task(job_id, asset_id):
    from mooc.video.processing.transcoding import process
    process(job_id, asset_id)
