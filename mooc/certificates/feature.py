"""Certificates: issued on completion, PDF rendered in the background, public /verify."""
from flask_babel import lazy_gettext as _l

from mooc.certificates import cli, services, tasks, views
from mooc.certificates.permissions import can_manage_certificates
from mooc.core import jobs, navigation, storage
from mooc.core.registry import contributions, mark_registered


def register(app):
    mark_registered(app, "certificates")
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.certificates_group)
    navigation.register(app, _l("证书管理"), "certificates.admin_list",
                        can_manage_certificates, order=86)
    storage.register_reference_check(app, services.STORAGE_OWNER, services.uses_stored_file)
    jobs.register_tasks(app, tasks)
    services.install_render_queue()
    # What progress asks of certificates, without importing them:
    hooks = contributions(app)
    hooks.completion_listeners.append(services.issue_for_completion)
    hooks.completion_holds.append(services.holds_completion)
    hooks.certificate_lists.append(services.certificates_for)
