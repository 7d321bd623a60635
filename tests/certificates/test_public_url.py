"""Issue 15 item 11 (and HSTS): certificate URLs come from the configuration only."""
import pytest

from config import ProductionConfig
from mooc import create_app
from mooc.certificates import serials, services


def test_a_forged_host_header_never_reaches_a_certificate(app):
    app.config.update(CERT_BASE_URL="", SERVER_NAME=None)
    serial = serials.new_serial(services.serial_key())
    with app.test_request_context("/courses/1/lessons/1/complete", method="POST",
                                  base_url="http://evil.example/"):
        url = services.verification_url(serial)
    assert "evil.example" not in url
    assert url == f"{app.config['DEV_SERVER_URL'].rstrip('/')}/verify/{serial}"


def test_the_configured_server_name_is_used_in_development(app):
    app.config.update(CERT_BASE_URL="", SERVER_NAME="dj.example.cn", PREFERRED_URL_SCHEME="https")
    serial = serials.new_serial(services.serial_key())
    with app.test_request_context("/", base_url="http://evil.example/"):
        assert services.verification_url(serial) == f"https://dj.example.cn/verify/{serial}"


def test_production_refuses_to_start_without_a_public_url(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a-long-production-like-secret")
    monkeypatch.setattr(ProductionConfig, "CERT_BASE_URL", "")
    with pytest.raises(RuntimeError, match="CERT_BASE_URL"):
        create_app(ProductionConfig)


def test_hsts_in_production_only(app, client):
    assert ProductionConfig.HSTS.startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["HSTS"] = ProductionConfig.HSTS
    assert client.get("/login").headers["Strict-Transport-Security"] == ProductionConfig.HSTS
