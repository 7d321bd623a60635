"""The public verification page: valid, revoked, mistyped, forged; rate-limited."""
import pytest
from sqlalchemy import event

from mooc.certificates import serials, services
from mooc.certificates.models import Certificate
from mooc.extensions import db as _db
from tests.catalog_factories import make_course
from tests.progress.test_completion import complete_course


@pytest.fixture
def cert(app, make_user):
    learner = make_user(username="verify-learner", name="欧阳明月", phone="13912345678")
    complete_course(learner, make_course(title="党史学习教育", credit_hours=4))
    return _db.session.scalar(_db.select(Certificate))


def mistype(serial):
    """Change one symbol of the body: the Luhn check symbol always catches it."""
    index = len(serial) - 3
    symbol = "7" if serial[index] != "7" else "8"
    return serial[:index] + symbol + serial[index + 1:]


@pytest.fixture
def certificate_queries(app):
    seen = []

    def record(_conn, _cursor, statement, *_args):
        if "FROM certificate" in statement:
            seen.append(statement)

    event.listen(_db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(_db.engine, "before_cursor_execute", record)


def test_a_valid_certificate(app, client, cert):
    response = client.get(f"/verify/{cert.serial}")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "证书有效" in text and "欧阳明月" in text and "党史学习教育" in text
    assert cert.serial in text and ">4<" in text
    # Nothing more personal than the certificate shows.
    assert "verify-learner" not in text and "13912345678" not in text
    assert cert.user.org.name not in text


def test_forgiving_input_finds_the_same_certificate(app, client, cert):
    sloppy = cert.serial.lower().replace("-", " ").replace("djmk", "djmk ")
    response = client.get("/verify", query_string={"serial": sloppy})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verify/{cert.serial}")
    assert client.get(f"/verify/{cert.serial.replace('-', '').lower()}").status_code == 200


def test_a_revoked_certificate(app, client, cert, make_user):
    services.revoke(cert, make_user(role="admin"), "违反学习纪律：代学")
    _db.session.commit()
    text = client.get(f"/verify/{cert.serial}").get_data(as_text=True)
    assert "证书已作废" in text and "作废日期" in text and "欧阳明月" in text
    assert "代学" not in text  # the reason stays internal


def test_a_mistyped_serial_is_not_found_with_a_hint(app, client, cert, certificate_queries):
    typo = mistype(cert.serial)
    assert not serials.has_valid_check_symbol(typo)
    response = client.get(f"/verify/{typo}")
    text = response.get_data(as_text=True)
    assert response.status_code == 404 and "未找到该证书" in text and "输入有误" in text
    assert certificate_queries == []


def test_a_forged_serial_is_not_found_without_a_database_query(app, client, cert,
                                                               certificate_queries):
    forged = serials.new_serial(b"someone else's key")
    assert serials.has_valid_check_symbol(forged)
    response = client.get(f"/verify/{forged}")
    text = response.get_data(as_text=True)
    assert response.status_code == 404 and "未找到该证书" in text and "输入有误" not in text
    assert certificate_queries == []
    # A real-looking serial that was never issued is looked up, and not found either.
    unissued = serials.new_serial(services.serial_key())
    assert client.get(f"/verify/{unissued}").status_code == 404
    assert len(certificate_queries) == 1


@pytest.mark.parametrize("garbage", ["x", "DJMK-", "' OR 1=1 --", "%E4%B8%AD" * 5, "A" * 500])
def test_garbage_is_not_found_never_an_error(app, client, garbage):
    assert client.get(f"/verify/{garbage}").status_code == 404
    assert client.get("/verify", query_string={"serial": garbage}).status_code == 404


def test_the_form_page(app, client):
    response = client.get("/verify")
    assert response.status_code == 200 and 'name="serial"' in response.get_data(as_text=True)
    assert client.get("/verify?serial=").status_code == 200


def test_verification_is_rate_limited_per_ip(app, client, cert):
    app.config["CERT_VERIFY_LIMIT"] = "3 per minute"
    for _ in range(3):
        assert client.get(f"/verify/{cert.serial}").status_code == 200
    limited = client.get(f"/verify/{cert.serial}")
    assert limited.status_code == 429 and "操作过于频繁" in limited.get_data(as_text=True)
    # The form counts too once a serial is submitted, but not when just opened.
    assert client.get("/verify").status_code == 200
    assert client.get("/verify", query_string={"serial": cert.serial}).status_code == 429
    other_ip = client.get(f"/verify/{cert.serial}", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other_ip.status_code == 200


def test_verify_service_verdicts(app, cert):
    verdict = services.verify(cert.serial.lower())
    assert verdict.status == "valid" and verdict.serial == cert.serial
    assert verdict.hours == 4.0 and verdict.learner_name == "欧阳明月"
    assert services.verify(None).status == services.NOT_FOUND
    assert services.verify("").typo is False
    assert services.verify(mistype(cert.serial)).typo is True
