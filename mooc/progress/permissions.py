"""Who may change study-hour rules (named predicates; views never test roles inline)."""
from mooc.core.permissions import is_admin


def can_set_requirements(user):
    return is_admin(user)
