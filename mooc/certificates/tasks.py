"""huey tasks for certificates: render one PDF, and a sweep for renders that got lost.

Named by the certificates feature's register(app), so the worker knows them;
services queue them by name (jobs.enqueue) and never import this module. Rendering takes a few tens of milliseconds, but it runs in the worker anyway:
it needs the font and writes a file, and a failure must not fail the learner's
request that completed the course.
"""
import logging
from datetime import timedelta

from flask import has_app_context
from huey import crontab
from sqlalchemy import or_, select

from mooc.certificates import services
from mooc.certificates.models import VALID, Certificate
from mooc.core import jobs
from mooc.core.models import BackgroundJob, utcnow
from mooc.extensions import db

log = logging.getLogger(__name__)
LOST_AFTER = timedelta(minutes=10)


def render(job_id, certificate_id, base_url=None):
    """Render and store one certificate's PDF, reporting on its job row."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        jobs.update_job(job_id, status=BackgroundJob.FAILED, message="证书不存在。")
        return None
    if services.pdf_ready(certificate):
        jobs.update_job(job_id, status=BackgroundJob.DONE, progress=1.0, message="证书已生成。")
        return certificate.pdf_key
    jobs.update_job(job_id, status=BackgroundJob.RUNNING, progress=0.2, message="正在生成证书…")
    try:
        certificate = db.session.get(Certificate, certificate_id)
        key = services.store_pdf(certificate, base_url)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        log.exception("certificate %s could not be rendered", certificate_id)
        jobs.update_job(job_id, status=BackgroundJob.FAILED,
                        message=f"证书生成失败，请稍后重试或联系管理员。（{str(exc)[:200]}）")
        return None
    jobs.update_job(job_id, status=BackgroundJob.DONE, progress=1.0, message="证书已生成。",
                    result={"certificate_id": certificate_id})
    return key


@jobs.task()
def render_certificate_task(job_id, certificate_id, base_url=None):
    return render(job_id, certificate_id, base_url)


def render_missing(limit=200, everything=False):
    """Render certificates whose PDF is missing and whose job is gone, or stuck queued
    (a queue that lost the message, a worker that died). Failed jobs wait for a
    person to press "重新生成" (or `everything=True` from the CLI), so a broken font
    does not retry forever."""
    stuck = utcnow() - LOST_AFTER
    query = select(Certificate.id).outerjoin(
        BackgroundJob, BackgroundJob.id == Certificate.render_job_id).where(
        Certificate.pdf_key.is_(None), Certificate.status == VALID)
    if not everything:
        query = query.where(or_(BackgroundJob.id.is_(None),
                                (BackgroundJob.status == BackgroundJob.QUEUED)
                                & (BackgroundJob.created_at < stuck)))
    ids = list(db.session.scalars(query.order_by(Certificate.id).limit(limit)))
    db.session.commit()
    done = []
    for certificate_id in ids:
        certificate = db.session.get(Certificate, certificate_id)
        job_id = certificate.render_job_id
        if job_id is None:
            job = BackgroundJob(kind="certificate.render", owner_id=certificate.user_id,
                                message=f"生成结业证书：《{certificate.course_title}》")
            db.session.add(job)
            db.session.flush()
            certificate.render_job_id = job_id = job.id
            db.session.commit()
        if render(job_id, certificate_id):
            done.append(certificate_id)
    return done


@jobs.huey.periodic_task(crontab(minute="*/10"), name="certificates.render_missing")
def render_missing_task():
    if has_app_context():
        return render_missing()
    with jobs.worker_app().app_context():
        return render_missing()
