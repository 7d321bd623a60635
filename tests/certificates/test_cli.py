"""`flask --app mooc certificates verify SERIAL`: the page's verdict, as an exit code."""
import pytest
from sqlalchemy import select

from mooc.certificates import serials, services
from mooc.certificates.cli import EXIT_NOT_FOUND, EXIT_REVOKED, EXIT_VALID
from mooc.certificates.models import Certificate
from mooc.extensions import db as _db
from tests.catalog_factories import make_course
from tests.progress.test_completion import complete_course


@pytest.fixture
def cert(app, make_user):
    complete_course(make_user(username="cli-learner", name="孙立"),
                    make_course(title="党的建设", credit_hours=1.5))
    return _db.session.scalar(select(Certificate))


def verify(app, serial):
    return app.test_cli_runner().invoke(args=["certificates", "verify", serial])


def test_valid(app, cert):
    result = verify(app, cert.serial.lower())
    assert result.exit_code == EXIT_VALID == 0
    assert f"证书有效：{cert.serial}" in result.output
    assert "姓名：孙立" in result.output and "课程：党的建设" in result.output
    assert "学时：1.5" in result.output and "cli-learner" not in result.output


def test_revoked(app, cert, make_user):
    services.revoke(cert, make_user(role="admin"), "测试")
    _db.session.commit()
    result = verify(app, cert.serial)
    assert result.exit_code == EXIT_REVOKED == 1
    assert "证书已作废" in result.output and "作废日期" in result.output


def test_not_found(app, cert):
    typo = cert.serial[:-1] + ("0" if cert.serial[-1] != "0" else "1")
    result = verify(app, typo)
    assert result.exit_code == EXIT_NOT_FOUND == 2
    assert "未找到该证书" in result.output and "输入有误" in result.output
    forged = verify(app, serials.new_serial(b"forger"))
    assert forged.exit_code == 2 and "输入有误" not in forged.output
    assert verify(app, "nonsense").exit_code == 2


def test_the_cli_and_the_page_agree(app, client, cert):
    page = client.get(f"/verify/{cert.serial}").get_data(as_text=True)
    result = verify(app, cert.serial)
    for line in result.output.splitlines()[1:]:
        value = line.split("：", 1)[1]
        assert value in page, line


def test_render_missing(app, cert):
    cert.pdf_key = None
    _db.session.commit()
    result = app.test_cli_runner().invoke(args=["certificates", "render-missing"])
    assert result.exit_code == 0 and "已生成 1 份证书" in result.output
    _db.session.expire_all()
    assert _db.session.get(Certificate, cert.id).pdf_key
