"""Who may do what with certificates (named predicates; views never test roles inline)."""
from mooc.core.permissions import is_admin


def can_manage_certificates(user):
    return is_admin(user)


def can_download_certificate(user, certificate):
    """The learner it was issued to, and admins (for support and records)."""
    return bool(user and user.is_authenticated) and (
        certificate.user_id == user.id or is_admin(user))


def can_use_revoked_certificate(user):
    """A revoked certificate's PDF stays available to admins only (for the records)."""
    return is_admin(user)
