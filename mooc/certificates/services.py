"""Certificates: issuing, rendering, verifying, revoking and reissuing.

Issuing happens inside the transaction that completes the course (see
mooc.progress.completion): the row is inserted with ON CONFLICT DO NOTHING on
(user, course, generation 1), so two racing requests issue one certificate. The PDF
is made afterwards by a background job: issuing records a BackgroundJob row and
remembers it on the session; once that transaction commits, the job is queued
(`_queue_renders`, an after_commit hook — queuing before the commit would let a
worker look for a row that is not there yet). A periodic sweep in tasks.py renders
anything whose job was lost.

Serials carry an HMAC check (mooc.certificates.serials) keyed with CERT_SERIAL_KEY,
or a key derived from SECRET_KEY: rotating SECRET_KEY without setting CERT_SERIAL_KEY
to the old derived key makes every issued serial fail the check, i.e. unverifiable.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import event, exists, func, or_, select
from sqlalchemy.orm import Session

from mooc.accounts.models import User
from mooc.certificates import serials
from mooc.certificates.models import REVOKED, VALID, Certificate
from mooc.certificates.pdf import CertificateData, render_certificate
from mooc.core import jobs, storage
from mooc.core.calendar import local_date
from mooc.core.models import BackgroundJob, utcnow
from mooc.core.services import audit
from mooc.core.sql import insert_ignoring_conflict
from mooc.extensions import db

log = logging.getLogger(__name__)

SERIAL_KEY_LABEL = b"mooc.certificates.serial-key.v1"
RENDER_JOB_KIND = "certificate.render"
PENDING_RENDERS = "certificates_pending_renders"
MAX_PDF_BYTES = 10 * 1024 ** 2
STORAGE_OWNER = "certificates"
NOT_FOUND = "not_found"


class CertificateError(ValueError):
    """Refused; the message is for the user, in Chinese."""


# --------------------------------------------------------------------------
# Serial numbers
# --------------------------------------------------------------------------

def serial_key() -> bytes:
    """The HMAC key of serial check symbols.

    CERT_SERIAL_KEY when set; otherwise derived from SECRET_KEY with a fixed label, so
    the serial key never equals a key used for anything else. Rotating SECRET_KEY
    changes the derived key and invalidates the check symbols of every certificate
    already issued (they would all verify as "not found"): sites that may rotate
    SECRET_KEY set their own CERT_SERIAL_KEY before issuing the first certificate.
    """
    configured = current_app.config.get("CERT_SERIAL_KEY")
    if configured:
        return configured.encode("utf-8") if isinstance(configured, str) else bytes(configured)
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    return hmac.new(secret, SERIAL_KEY_LABEL, hashlib.sha256).digest()


def verification_url(serial: str, base_url: str | None = None) -> str:
    """The public URL printed (and QR-encoded) on the certificate.

    CERT_BASE_URL (the site's public root, required in production) wins; else an
    explicit `base_url` from the caller (a CLI option, never a request header); else
    the configured SERVER_NAME; else the development server's own address. The Host
    header of the completing request is never used: anyone can send any Host
    (issue 15: certificates printed http://evil.example/verify/…).
    """
    path = current_app.url_map.bind("localhost").build("certificates.verify",
                                                       {"serial": serial})
    config = current_app.config
    base = config.get("CERT_BASE_URL") or base_url
    if not base and config.get("SERVER_NAME"):
        base = f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{config['SERVER_NAME']}/"
    if not base:
        log.warning("CERT_BASE_URL is not set: certificate %s links to the development "
                    "server's address", serial)
        base = config.get("DEV_SERVER_URL") or "http://127.0.0.1:5000/"
    return base.rstrip("/") + path


# --------------------------------------------------------------------------
# Issuing
# --------------------------------------------------------------------------

def _first_certificate(user_id, course_id):
    return db.session.scalar(select(Certificate).where(
        Certificate.user_id == user_id, Certificate.course_id == course_id,
        Certificate.generation == 1))


def issue_for_completion(user, course, completion):
    """(certificate, created): the learner's certificate for a completed course.

    Idempotent: the first certificate for user × course is generation 1, and a second
    insert of it does nothing. The caller commits (the PDF job is queued on commit).
    """
    created = insert_ignoring_conflict(Certificate, dict(
        serial=serials.new_serial(serial_key()), user_id=user.id, course_id=course.id,
        generation=1, learner_name=user.name, course_title=course.title,
        hours=float(completion.hours), completed_at=completion.completed_at,
        issued_at=utcnow(), status=VALID, revoke_reason=""),
        ["user_id", "course_id", "generation"])
    certificate = _first_certificate(user.id, course.id)
    if created:
        schedule_render(certificate, owner_id=user.id)
    return certificate, created


def schedule_render(certificate, owner_id=None):
    """Record a render job for the certificate; it is queued once the caller commits."""
    job = BackgroundJob(kind=RENDER_JOB_KIND, owner_id=owner_id,
                        message=f"生成结业证书：《{certificate.course_title}》")
    db.session.add(job)
    db.session.flush()
    certificate.render_job_id = job.id
    db.session.info.setdefault(PENDING_RENDERS, []).append((job.id, certificate.id))
    return job


def install_render_queue():
    """Queue PDF renders after the commit that issued them (idempotent, per process)."""
    if not event.contains(Session, "after_commit", _queue_renders):
        event.listen(Session, "after_commit", _queue_renders)


def _queue_renders(session):
    pending = session.info.pop(PENDING_RENDERS, None)
    if not pending:
        return
    try:
        app = current_app._get_current_object()
        base_url = None  # never the request's Host: verification_url reads the config
        # A fresh app context, so a task that runs inline (huey immediate mode) gets a
        # fresh database session: the one that just committed may not run SQL here.
        with app.app_context():
            for job_id, certificate_id in pending:
                jobs.enqueue("render_certificate_task", job_id, certificate_id, base_url)
    except Exception:  # the commit stands; the periodic sweep renders it later
        log.exception("could not queue certificate rendering for %s", pending)


@event.listens_for(Session, "after_rollback")
def _forget_renders(session):
    session.info.pop(PENDING_RENDERS, None)


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------

def certificate_data(certificate, base_url=None):
    return CertificateData(
        learner_name=certificate.learner_name, course_title=certificate.course_title,
        study_hours=Decimal(str(round(certificate.hours, 2))),
        completion_date=local_date(certificate.completed_at),
        issuing_organisation=current_app.config["ORG_NAME"], serial=certificate.serial,
        verification_url=verification_url(certificate.serial, base_url),
        issued_on=local_date(certificate.issued_at))


def render_pdf(certificate, base_url=None) -> bytes:
    return render_certificate(certificate_data(certificate, base_url))


def store_pdf(certificate, base_url=None):
    """Render and keep the PDF; the caller commits."""
    stored = storage.store_bytes(render_pdf(certificate, base_url), owner=STORAGE_OWNER,
                                 max_bytes=MAX_PDF_BYTES, allowed_exts=("pdf",))
    certificate.pdf_key = stored.key
    return stored.key


def pdf_ready(certificate) -> bool:
    return bool(certificate.pdf_key) and storage.exists(certificate.pdf_key)


def render_in_progress(certificate) -> bool:
    job = certificate.render_job
    return job is not None and job.status in (BackgroundJob.QUEUED, BackgroundJob.RUNNING)


def start_render(certificate, actor=None):
    """"重新生成" after a failed or lost job: a new job, queued on commit. Commits."""
    job = schedule_render(certificate, owner_id=certificate.user_id)
    db.session.commit()
    return job


def uses_stored_file(key):
    return db.session.scalar(select(exists().where(Certificate.pdf_key == key)))


# --------------------------------------------------------------------------
# Verifying (the public page and the CLI say the same thing)
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    status: str                      # "valid", "revoked" or "not_found"
    serial: str | None = None        # canonical form, when it could be read at all
    typo: bool = False               # not found because a symbol is mistyped
    learner_name: str = ""
    course_title: str = ""
    hours: float = 0.0
    completed_on: date | None = None
    issued_on: date | None = None
    revoked_on: date | None = None
    replaced: bool = False

    @property
    def found(self):
        return self.status != NOT_FOUND


def verify(text) -> Verdict:
    """What the public may know about a serial: only what the certificate itself shows.

    Shape, check symbol and HMAC are checked before the database is asked, so typos
    and made-up serials cost no query.
    """
    serial = serials.normalise_serial(text)
    if serial is None:
        return Verdict(NOT_FOUND, typo=bool(isinstance(text, str) and text.strip()))
    if not serials.has_valid_check_symbol(serial):
        return Verdict(NOT_FOUND, serial=serial, typo=True)
    if not serials.is_well_formed(serial, serial_key()):
        return Verdict(NOT_FOUND, serial=serial)
    certificate = db.session.scalar(select(Certificate).where(Certificate.serial == serial))
    if certificate is None:
        return Verdict(NOT_FOUND, serial=serial)
    return Verdict(
        status=certificate.status, serial=serial, learner_name=certificate.learner_name,
        course_title=certificate.course_title, hours=certificate.hours,
        completed_on=local_date(certificate.completed_at),
        issued_on=local_date(certificate.issued_at),
        revoked_on=local_date(certificate.revoked_at) if certificate.revoked_at else None,
        replaced=certificate.replaced_by_id is not None)


# --------------------------------------------------------------------------
# Lists
# --------------------------------------------------------------------------

def holds_completion(user_id, course_id):
    """A certificate in someone's hands keeps its completion (and hours) from pruning."""
    return db.session.scalar(select(Certificate.id).where(
        Certificate.user_id == user_id, Certificate.course_id == course_id)
        .limit(1)) is not None


def certificates_for(user):
    """A learner's certificates, newest first (revoked ones too, marked as such)."""
    return list(db.session.scalars(select(Certificate).where(Certificate.user_id == user.id)
                                   .order_by(Certificate.issued_at.desc(),
                                             Certificate.id.desc())))


def admin_query(q=None, status=None):
    query = select(Certificate).join(User, User.id == Certificate.user_id)
    if status in (VALID, REVOKED):
        query = query.where(Certificate.status == status)
    if q:
        text = q.strip()
        canonical = serials.normalise_serial(text)
        lowered = text.lower()
        conditions = [func.lower(column).contains(lowered, autoescape=True)
                      for column in (Certificate.learner_name, Certificate.course_title,
                                     User.username, Certificate.serial)]
        if canonical:
            conditions.append(Certificate.serial == canonical)
        query = query.where(or_(*conditions))
    return query.order_by(Certificate.issued_at.desc(), Certificate.id.desc())


# --------------------------------------------------------------------------
# Revoking and reissuing (admins; audited)
# --------------------------------------------------------------------------

def _locked(certificate):
    return db.session.scalar(select(Certificate).where(Certificate.id == certificate.id)
                             .with_for_update().execution_options(populate_existing=True))


def revoke(certificate, actor, reason):
    """Mark a valid certificate revoked; the public page says so from now on."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError("请填写作废原因。")
    certificate = _locked(certificate)
    if certificate.status != VALID:
        raise CertificateError("该证书已作废。")
    certificate.status = REVOKED
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = getattr(actor, "id", None)
    certificate.revoke_reason = reason[:500]
    audit("certificate.revoke", certificate, f"作废证书 {certificate.serial}", actor=actor,
          reason=reason[:500], user_id=certificate.user_id, course_id=certificate.course_id)
    return certificate


def reissue(certificate, actor, reason=""):
    """A new certificate (new serial, today's issue date, the learner's current name and
    the course's current title) replacing this one, which is revoked and linked to it."""
    reason = (reason or "").strip()[:500] or "换发新证书"
    certificate = _locked(certificate)
    if certificate.replaced_by_id is not None:
        raise CertificateError("该证书已换发过新证书，请对新证书操作。")
    generation = (db.session.scalar(select(func.max(Certificate.generation)).where(
        Certificate.user_id == certificate.user_id,
        Certificate.course_id == certificate.course_id)) or certificate.generation) + 1
    learner = certificate.user
    course = certificate.course
    replacement = Certificate(
        serial=serials.new_serial(serial_key()), user_id=certificate.user_id,
        course_id=certificate.course_id, generation=generation,
        learner_name=learner.name if learner else certificate.learner_name,
        course_title=course.title if course else certificate.course_title,
        hours=certificate.hours, completed_at=certificate.completed_at, issued_at=utcnow(),
        status=VALID, revoke_reason="")
    db.session.add(replacement)
    db.session.flush()
    if certificate.status == VALID:
        certificate.status = REVOKED
        certificate.revoked_at = utcnow()
        certificate.revoked_by_id = getattr(actor, "id", None)
        certificate.revoke_reason = reason
    certificate.replaced_by_id = replacement.id
    schedule_render(replacement, owner_id=certificate.user_id)
    audit("certificate.reissue", certificate,
          f"换发证书 {certificate.serial} → {replacement.serial}", actor=actor, reason=reason,
          new_serial=replacement.serial, new_certificate_id=replacement.id,
          user_id=certificate.user_id, course_id=certificate.course_id)
    return replacement
