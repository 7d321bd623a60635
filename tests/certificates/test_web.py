"""Certificate pages for learners and admins: who may download, revoke and reissue."""
import pytest
from sqlalchemy import select

from mooc.certificates import services
from mooc.certificates.models import REVOKED, Certificate
from mooc.core.registry import contributions
from mooc.core.models import AuditEvent, BackgroundJob
from mooc.extensions import db as _db
from tests.catalog_factories import make_course
from tests.conftest import csrf_token, login
from tests.progress.test_completion import complete_course


@pytest.fixture
def learner(make_user):
    return make_user(username="owner", name="赵红")


@pytest.fixture
def cert(app, learner):
    complete_course(learner, make_course(title="廉洁教育"))
    return _db.session.scalar(select(Certificate))


def test_the_learner_downloads_their_certificate(app, client, learner, cert):
    login(client, learner.username)
    response = client.get(f"/me/certificates/{cert.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert "attachment" in response.headers["Content-Disposition"]
    assert "private" in response.headers["Cache-Control"]


def test_nobody_else_sees_a_learners_certificate(app, client, make_user, cert):
    login(client, make_user().username)
    assert client.get(f"/me/certificates/{cert.id}/pdf").status_code == 404
    token = csrf_token(client, "/home")
    assert client.post(f"/me/certificates/{cert.id}/render",
                       data={"csrf_token": token}).status_code == 404
    assert client.get("/me/certificates/999999/pdf").status_code == 404
    assert client.get(f"/me/certificates/{2 ** 70}/pdf").status_code == 404
    anonymous = app.test_client()
    response = anonymous.get(f"/me/certificates/{cert.id}/pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_certificate_still_being_made_shows_its_job(app, client, learner, monkeypatch):
    monkeypatch.setitem(contributions(app).tasks, "render_certificate_task", lambda *args: None)  # worker busy
    complete_course(learner, make_course(title="正在生成的课程"))
    cert = _db.session.scalar(select(Certificate))
    login(client, learner.username)
    response = client.get(f"/me/certificates/{cert.id}/pdf")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "证书正在生成" in text and "排队中" in text
    assert 'http-equiv="refresh"' in text
    # A failed job offers "重新生成", which starts a new job (POST only).
    job = _db.session.get(BackgroundJob, cert.render_job_id)
    job.status, job.message = BackgroundJob.FAILED, "证书生成失败：测试"
    _db.session.commit()
    text = client.get(f"/me/certificates/{cert.id}/pdf").get_data(as_text=True)
    assert "证书生成失败：测试" in text and "重新生成证书" in text
    monkeypatch.undo()
    token = csrf_token(client, f"/me/certificates/{cert.id}/pdf")
    response = client.post(f"/me/certificates/{cert.id}/render", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get(f"/me/certificates/{cert.id}/pdf").mimetype == "application/pdf"


def test_a_revoked_certificate_cannot_be_downloaded_by_its_owner(app, client, learner, cert,
                                                                 make_user):
    services.revoke(cert, make_user(role="admin"), "撤销测试")
    _db.session.commit()
    login(client, learner.username)
    response = client.get(f"/me/certificates/{cert.id}/pdf")
    assert response.status_code == 410 and "已作废" in response.get_data(as_text=True)
    page = client.get("/me/learning").get_data(as_text=True)
    assert f"/me/certificates/{cert.id}/pdf" not in page and "已作废" in page


def test_admin_lists_revokes_and_reissues(app, client, login_as, cert):
    admin = login_as(role="admin")
    page = client.get("/admin/certificates", query_string={"q": "赵红"})
    assert page.status_code == 200 and cert.serial in page.get_data(as_text=True)
    sloppy = cert.serial.lower().replace("-", "")
    assert cert.serial in client.get("/admin/certificates",
                                     query_string={"q": sloppy}).get_data(as_text=True)
    empty = client.get("/admin/certificates", query_string={"q": "没有这个人", "status": "zzz"})
    assert empty.status_code == 200 and "没有符合条件的证书" in empty.get_data(as_text=True)
    detail = client.get(f"/admin/certificates/{cert.id}")
    assert detail.status_code == 200 and "作废证书" in detail.get_data(as_text=True)
    token = csrf_token(client, f"/admin/certificates/{cert.id}")
    # A revocation needs a reason.
    response = client.post(f"/admin/certificates/{cert.id}/revoke", data={"csrf_token": token},
                           follow_redirects=True)
    assert "请填写作废原因" in response.get_data(as_text=True)
    assert _db.session.get(Certificate, cert.id).is_valid
    response = client.post(f"/admin/certificates/{cert.id}/reissue",
                           data={"csrf_token": token, "reason": "姓名有误"})
    assert response.status_code == 302
    _db.session.expire_all()
    old = _db.session.get(Certificate, cert.id)
    assert old.status == REVOKED and old.replaced_by_id
    assert response.headers["Location"].endswith(f"/admin/certificates/{old.replaced_by_id}")
    new = _db.session.get(Certificate, old.replaced_by_id)
    response = client.post(f"/admin/certificates/{new.id}/revoke",
                           data={"csrf_token": token, "reason": "重复发放"},
                           follow_redirects=True)
    assert "证书已作废" in response.get_data(as_text=True)
    events = list(_db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.like("certificate.%")).order_by(AuditEvent.id)))
    assert [(e.action, e.actor_id) for e in events] == [("certificate.reissue", admin.id),
                                                         ("certificate.revoke", admin.id)]
    # Reissuing the replaced one again is refused politely.
    response = client.post(f"/admin/certificates/{cert.id}/reissue",
                           data={"csrf_token": token}, follow_redirects=True)
    assert "已换发过新证书" in response.get_data(as_text=True)


def test_only_admins_revoke_or_reissue(app, make_user, cert):
    for role in ("learner", "instructor", "branch_lead"):
        other = app.test_client()
        login(other, make_user(role=role).username)
        token = csrf_token(other, "/home")
        assert other.get("/admin/certificates").status_code == 403
        assert other.post(f"/admin/certificates/{cert.id}/revoke",
                          data={"csrf_token": token, "reason": "x"}).status_code == 403
        assert other.post(f"/admin/certificates/{cert.id}/reissue",
                          data={"csrf_token": token}).status_code == 403
    assert _db.session.get(Certificate, cert.id).is_valid


def test_admins_may_download_any_certificate(app, client, login_as, cert):
    login_as(role="admin")
    assert client.get(f"/me/certificates/{cert.id}/pdf").mimetype == "application/pdf"
