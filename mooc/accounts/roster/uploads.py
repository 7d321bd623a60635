"""Holding an uploaded roster between preview and confirm.

The web flow keeps the uploaded bytes under the instance folder and parses them
again on confirm, so what gets committed is what the admin was shown.
"""
from mooc.core.staged_uploads import StagedUploads

UPLOAD_DIR = "roster_uploads"

_STAGED = StagedUploads(UPLOAD_DIR)


def save_upload(filename, data, owner_id):
    """Keep the bytes for the confirm step; returns the token the confirm form carries."""
    return _STAGED.save(filename, data, owner_id=owner_id)


def load_upload(token, owner_id):
    """(filename, data) of an upload made by `owner_id`, or None if gone or not theirs."""
    return _STAGED.load(token, owner_id=owner_id)


def discard_upload(token):
    _STAGED.discard(token)
