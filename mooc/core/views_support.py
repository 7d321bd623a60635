"""The transaction envelope view functions share: commit on success, roll back on a rule.

Services raise a ValueError subclass with a Chinese message when a rule is broken
and leave committing to the caller. Views wrap the call::

    with commit_or_flash(CatalogError) as outcome:
        lesson = services.create_lesson(...)
    if outcome.ok:
        flash(_("已添加课时。"), "success")

The expected errors are swallowed (rolled back, flashed unless `flash_error=False`)
so the view decides where to go next; anything else propagates untouched.
"""
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash

from mooc.extensions import db


@dataclass
class Outcome:
    error: Exception | None = None

    @property
    def ok(self):
        return self.error is None


@contextmanager
def commit_or_flash(*error_types, flash_error=True):
    """Commit after the block, or roll back and flash the message of one of `error_types`."""
    outcome = Outcome()
    try:
        yield outcome
    except error_types as exc:
        db.session.rollback()
        outcome.error = exc
        if flash_error:
            flash(str(exc), "error")
    else:
        db.session.commit()
