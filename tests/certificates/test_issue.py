"""Issuing certificates: once per learner × course, with a PDF made in the background."""
import io
import threading

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from mooc.certificates import serials, services, tasks
from mooc.certificates.models import REVOKED, VALID, Certificate
from mooc.core import storage
from mooc.core.registry import contributions
from mooc.core.models import AuditEvent, BackgroundJob
from mooc.extensions import db as _db
from mooc.progress import completion
from mooc.progress import services as progress
from tests.catalog_factories import make_course
from tests.progress.test_completion import complete_course


def certificates():
    return list(_db.session.scalars(select(Certificate).order_by(Certificate.id)))


@pytest.fixture
def learner(make_user):
    return make_user(username="zhangsan", name="张晓红", phone="13800000000")


def test_completing_a_course_issues_one_certificate(app, learner):
    course = make_course(title="学习贯彻党的二十大精神", credit_hours=6)
    complete_course(learner, course)
    [cert] = certificates()
    done = completion.completion_for(learner.id, course.id)
    assert (cert.user_id, cert.course_id, cert.generation, cert.status) == \
        (learner.id, course.id, 1, VALID)
    assert cert.learner_name == "张晓红" and cert.course_title == "学习贯彻党的二十大精神"
    assert cert.hours == 6.0 and cert.completed_at == done.completed_at
    assert serials.is_well_formed(cert.serial, services.serial_key())
    assert serials.normalise_serial(cert.serial) == cert.serial
    # Completing the same course's lessons again, or calling the hook again, adds nothing.
    progress.record_progress(learner, course.ordered_lessons()[0], 1.0)
    completion.update_course_completion(learner, course)
    services.issue_for_completion(learner, course, done)
    _db.session.commit()
    assert len(certificates()) == 1


def test_the_pdf_is_rendered_after_commit_with_the_learners_chinese_name(app, learner):
    course = make_course(title="党章党规学习", credit_hours=2.5)
    complete_course(learner, course)
    [cert] = certificates()
    assert cert.pdf_key and storage.exists(cert.pdf_key)
    job = _db.session.get(BackgroundJob, cert.render_job_id)
    assert job.kind == services.RENDER_JOB_KIND and job.status == BackgroundJob.DONE
    assert job.owner_id == learner.id
    with storage.open_key(cert.pdf_key) as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = "".join(page.extract_text() for page in reader.pages)
    squashed = "".join(text.split())
    assert "张晓红" in squashed and "党章党规学习" in squashed and "2.5" in squashed
    assert cert.serial in squashed
    assert app.config["ORG_NAME"] in squashed
    # The QR code and the printed URL point at the public verification page.
    assert f"/verify/{cert.serial}" in squashed


def test_the_verification_url_prefers_cert_base_url(app):
    app.config["CERT_BASE_URL"] = "https://dangjian.example.cn/"
    serial = serials.new_serial(services.serial_key())
    assert services.verification_url(serial) == f"https://dangjian.example.cn/verify/{serial}"
    app.config["CERT_BASE_URL"] = ""
    assert services.verification_url(serial, "http://10.0.0.1:8000/") == \
        f"http://10.0.0.1:8000/verify/{serial}"
    assert services.verification_url(serial) == f"http://localhost/verify/{serial}"  # SERVER_NAME


def test_serial_key_comes_from_config_or_secret_key(app):
    derived = services.serial_key()
    assert derived != app.config["SECRET_KEY"].encode()
    serial = serials.new_serial(derived)
    app.config["SECRET_KEY"] = "another-secret-key-after-rotation"
    assert not serials.is_well_formed(serial, services.serial_key())  # hence CERT_SERIAL_KEY
    app.config["CERT_SERIAL_KEY"] = "pinned-serial-key"
    assert services.serial_key() == b"pinned-serial-key"


def test_concurrent_completions_issue_one_certificate(app, make_user):
    from mooc.accounts.models import User
    from mooc.catalog.models import Lesson
    course = make_course(lessons=1)
    user = make_user()
    user_id, lesson_id = user.id, course.ordered_lessons()[0].id
    _db.session.commit()
    errors, barrier = [], threading.Barrier(4)

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                progress.record_progress(_db.session.get(User, user_id),
                                         _db.session.get(Lesson, lesson_id), 1.0)
                _db.session.commit()
            except Exception as exc:  # pragma: no cover - shown by the assertion
                _db.session.rollback()
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    _db.session.expire_all()
    [cert] = certificates()
    assert cert.pdf_key and _db.session.scalar(select(func.count(BackgroundJob.id)).where(
        BackgroundJob.kind == services.RENDER_JOB_KIND)) == 1


def test_a_second_issue_for_the_same_course_does_nothing(app, learner, monkeypatch):
    """The race's loser: its INSERT meets generation 1 and must not add a job either."""
    course = make_course()
    complete_course(learner, course)
    done = completion.completion_for(learner.id, course.id)
    first, created = services.issue_for_completion(learner, course, done)
    _db.session.commit()
    assert not created and first.generation == 1
    assert _db.session.scalar(select(func.count(BackgroundJob.id))) == 1


def test_nothing_is_queued_when_the_transaction_rolls_back(app, learner, monkeypatch):
    queued = []
    monkeypatch.setitem(contributions(app).tasks, "render_certificate_task", lambda *args: queued.append(args))
    course = make_course()
    progress.record_progress(learner, course.ordered_lessons()[0], 1.0)
    assert _db.session.info.get(services.PENDING_RENDERS)
    _db.session.rollback()
    assert services.PENDING_RENDERS not in _db.session.info
    _db.session.commit()
    assert queued == [] and certificates() == []


def test_a_failed_render_is_reported_and_can_be_retried(app, learner, monkeypatch):
    def broken(*_args, **_kwargs):
        raise ValueError("字体缺失")

    monkeypatch.setattr(services, "render_pdf", broken)
    course = make_course()
    complete_course(learner, course)          # the completion commits all the same
    [cert] = certificates()
    assert cert.pdf_key is None
    job = _db.session.get(BackgroundJob, cert.render_job_id)
    assert job.status == BackgroundJob.FAILED and "字体缺失" in job.message
    assert completion.completion_for(learner.id, course.id) is not None
    # The sweep leaves failed jobs alone; the CLI's "everything" and a person retry them.
    assert tasks.render_missing() == []
    monkeypatch.undo()
    assert tasks.render_missing(everything=True) == [cert.id]
    _db.session.expire_all()
    assert storage.exists(certificates()[0].pdf_key)


def test_the_sweep_renders_certificates_whose_job_was_lost(app, learner, monkeypatch):
    monkeypatch.setitem(contributions(app).tasks, "render_certificate_task", lambda *args: None)  # lost queue
    course = make_course()
    complete_course(learner, course)
    [cert] = certificates()
    assert cert.pdf_key is None
    assert tasks.render_missing() == []        # queued a moment ago: not lost yet
    job = _db.session.get(BackgroundJob, cert.render_job_id)
    job.created_at -= tasks.LOST_AFTER * 2
    _db.session.commit()
    assert tasks.render_missing() == [cert.id]
    assert _db.session.get(BackgroundJob, cert.render_job_id).status == BackgroundJob.DONE


def test_revoke_and_reissue_are_audited_and_linked(app, learner, make_user):
    admin = make_user(role="admin")
    course = make_course(title="旧课程名")
    complete_course(learner, course)
    [cert] = certificates()
    with pytest.raises(services.CertificateError):
        services.revoke(cert, admin, "  ")
    learner.name = "张晓虹"                  # a corrected name is why people ask for a reissue
    course.title = "新课程名"
    new = services.reissue(cert, admin, "姓名更正")
    _db.session.commit()
    old = _db.session.get(Certificate, cert.id)
    assert old.status == REVOKED and old.replaced_by_id == new.id and old.revoke_reason == "姓名更正"
    assert old.revoked_by_id == admin.id and old.revoked_at is not None
    assert (new.generation, new.status, new.learner_name, new.course_title) == \
        (2, VALID, "张晓虹", "新课程名")
    assert new.serial != old.serial and new.completed_at == old.completed_at
    assert new.pdf_key and storage.exists(new.pdf_key)
    with pytest.raises(services.CertificateError):
        services.reissue(old, admin)          # only the newest may be reissued
    services.revoke(new, admin, "学习记录造假")
    _db.session.commit()
    with pytest.raises(services.CertificateError):
        services.revoke(new, admin, "again")
    actions = [e.action for e in _db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("certificate.%")).order_by(AuditEvent.id))]
    assert actions == ["certificate.reissue", "certificate.revoke"]
    event = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.revoke"))
    assert event.actor_id == admin.id and event.details["reason"] == "学习记录造假"
    # A third generation is possible after a revocation without replacement.
    third = services.reissue(new, admin)
    _db.session.commit()
    assert third.generation == 3


def test_the_pdf_file_is_never_garbage_collected(app, learner):
    complete_course(learner, make_course())
    [cert] = certificates()
    assert storage.is_referenced(cert.pdf_key)
