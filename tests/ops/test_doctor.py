"""`doctor`, the worker heartbeat, /healthz's worker field, the admin banner, ProxyFix."""
import time

import pytest
from flask_migrate import upgrade

from config import DEFAULT_SECRET, TestingConfig
from mooc import create_app
from mooc.core import jobs
from mooc.ops import doctor, heartbeat
from mooc.search import services as search

GOOD = {"SECRET_KEY": "x" * 64, "CERT_SERIAL_KEY": "y" * 32,
        "CERT_BASE_URL": "https://dangjian.example.cn/", "MAIL_SERVER": "smtp.example.cn",
        "MAIL_DEFAULT_SENDER": "noreply@example.cn", "SITE_URL": "https://dangjian.example.cn",
        "TRUSTED_PROXIES": 1, "USE_X_ACCEL_REDIRECT": True}


@pytest.fixture
def production_like(app):
    app.config.update(GOOD)
    return app


def levels(findings, check):
    return [f.level for f in findings if f.check == check]


def test_a_good_configuration_has_no_config_findings(production_like):
    config = production_like.config
    for check in (doctor.check_secret_key, doctor.check_public_url, doctor.check_mail,
                  doctor.check_trusted_proxies, doctor.check_ffmpeg):
        assert check(config) == [], check.__name__


def test_doctor_catches_default_secret_and_missing_public_url(production_like):
    production_like.config.update(SECRET_KEY=DEFAULT_SECRET, CERT_BASE_URL="")
    findings = doctor.run(checks=[doctor.check_secret_key, doctor.check_public_url])
    assert levels(findings, "secret_key") == ["error"]
    assert levels(findings, "public_url") == ["error"]
    assert all(f.fix for f in findings) and "SECRET_KEY" in findings[0].problem


def test_doctor_catches_incomplete_mail_and_untrusted_proxy(production_like):
    production_like.config.update(MAIL_DEFAULT_SENDER="", TRUSTED_PROXIES=0)
    findings = doctor.run(checks=[doctor.check_mail, doctor.check_trusted_proxies])
    assert levels(findings, "mail") == ["error"] and "MAIL_DEFAULT_SENDER" in findings[0].problem
    assert levels(findings, "trusted_proxies") == ["warning"]


def test_doctor_catches_a_stopped_worker(app):
    assert levels(doctor.check_worker(app.config), "worker") == ["error"]   # never seen
    heartbeat.beat()
    assert doctor.check_worker(app.config) == []
    heartbeat.beat(now=time.time() - 300)                                 # stopped 5 min ago
    [finding] = doctor.check_worker(app.config)
    assert finding.level == "error" and "秒没有心跳" in finding.problem


def test_doctor_migrations_and_index(tmp_path):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'd.sqlite3'}"
        MEDIA_ROOT = tmp_path / "media"
        SEARCH_INDEX_DIR = tmp_path / "search_index"
        INSTANCE_DIR = tmp_path / "instance"
    app = create_app(Config)
    with app.app_context():
        assert levels(doctor.check_migrations(app.config), "migrations") == ["error"]
        assert levels(doctor.check_search_index(app.config), "search") == ["error"]
        upgrade()
        search.rebuild()
        assert doctor.check_migrations(app.config) == []
        assert doctor.check_search_index(app.config) == []


def test_doctor_command_exits_non_zero_and_speaks_chinese(production_like):
    production_like.config.update(SECRET_KEY=DEFAULT_SECRET)
    result = production_like.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "[错误] SECRET_KEY 仍是默认值" in result.output and "解决：" in result.output


def test_heartbeat_thread_beats_until_stopped(app):
    thread, stop = heartbeat.start_heartbeat_thread(app, interval=0.05)
    try:
        deadline = time.time() + 5
        while heartbeat.last_seen() is None and time.time() < deadline:
            time.sleep(0.01)
        assert heartbeat.state()["status"] == "ok"
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()


def test_healthz_reports_the_worker_without_failing(app, client):
    body = client.get("/healthz").json
    assert body["worker"] == {"ok": True, "status": "never_seen", "immediate": True}
    heartbeat.beat(now=time.time() - 120)
    assert client.get("/healthz").json["worker"]["status"] == "stale"


def test_admin_banner_after_five_minutes_of_silence(app, client, login_as, monkeypatch):
    login_as(role="admin")
    banner = "超过 5 分钟没有心跳"
    assert banner not in client.get("/home").get_data(as_text=True)   # immediate mode: no worker needed
    monkeypatch.setattr(jobs.huey, "immediate", False)
    monkeypatch.setattr(heartbeat, "age_seconds", lambda now=None: 301.0)
    assert banner in client.get("/home").get_data(as_text=True)
    monkeypatch.setattr(heartbeat, "age_seconds", lambda now=None: 30.0)
    assert banner not in client.get("/home").get_data(as_text=True)


def test_learners_never_see_the_banner(app, client, login_as, monkeypatch):
    login_as()
    monkeypatch.setattr(jobs.huey, "immediate", False)
    monkeypatch.setattr(heartbeat, "age_seconds", lambda now=None: None)
    assert "没有心跳" not in client.get("/me/learning").get_data(as_text=True)


@pytest.mark.parametrize("proxies, expected", [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_trusted_proxies_decide_the_client_address(tmp_path, proxies, expected):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'p.sqlite3'}"
        INSTANCE_DIR = tmp_path / "instance"
        TRUSTED_PROXIES = proxies
    app = create_app(Config)
    seen = {}

    @app.get("/_whoami")
    def whoami():
        from flask import request
        seen.update(addr=request.remote_addr, scheme=request.scheme)
        return "ok"

    app.test_client().get("/_whoami", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7",
                                               "X-Forwarded-Proto": "https"})
    assert seen["addr"] == expected
    assert seen["scheme"] == ("https" if proxies else "http")
