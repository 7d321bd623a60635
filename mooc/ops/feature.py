"""Operations: trusted proxies, the worker heartbeat (/healthz field, admin banner), one
scheduler run per due minute across workers, `doctor`, `backup create|restore` and
`deploy nginx`."""
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from mooc.core import health
from mooc.core.permissions import is_admin
from mooc.core.registry import contributions, mark_registered
from mooc.ops import cli, heartbeat, scheduling


def trust_proxies(app):
    """Behind nginx every request comes from 127.0.0.1: with TRUSTED_PROXIES=n the
    app takes the client address, scheme and host from the last n proxies' X-Forwarded-*
    headers (so per-IP rate limits key on the real client). Never more than the real
    number of proxies, or clients could forge their address."""
    count = int(app.config.get("TRUSTED_PROXIES") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def register(app):
    mark_registered(app, "ops")
    trust_proxies(app)
    app.cli.add_command(cli.doctor_command)
    app.cli.add_command(cli.backup_group)
    app.cli.add_command(cli.deploy_group)
    health.register(app, "worker", heartbeat.state)
    contributions(app).worker_startup.append(heartbeat.start_heartbeat_thread)
    contributions(app).worker_startup.append(scheduling.install)

    @app.context_processor
    def worker_banner():
        show = is_admin(current_user) and heartbeat.needs_banner()
        return {"worker_down_banner": show}
