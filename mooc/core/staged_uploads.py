"""Uploaded files held between an import's preview and its confirmation.

The bytes stay on the server under a random token (never the client's filename, never
in the cookie); the confirm form carries only the token, and the file is parsed again
on confirm so what is committed is exactly what was previewed. A staged file is bound
to whoever uploaded it (and to whatever else the caller names, e.g. a course) and
expires after a day.
"""
import json
import re
import secrets
import time
from pathlib import Path

from flask import current_app

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
MAX_AGE_SECONDS = 24 * 3600


class StagedUploads:
    def __init__(self, folder_name):
        self.folder_name = folder_name

    def _dir(self):
        path = Path(current_app.instance_path) / self.folder_name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _paths(self, token):
        if not isinstance(token, str) or not TOKEN_RE.match(token):
            return None
        folder = self._dir()
        return folder / f"{token}.upload", folder / f"{token}.json"

    def save(self, filename, data, **binding):
        """Keep the bytes; returns the token. `binding` (owner_id=…, course_id=…) must
        match again on load."""
        self._remove_stale()
        token = secrets.token_urlsafe(24)
        data_path, meta_path = self._paths(token)
        data_path.write_bytes(data)
        # The client's filename only labels the preview and the audit log.
        meta_path.write_text(json.dumps({"filename": filename, "binding": binding}),
                             encoding="utf-8")
        return token

    def load(self, token, **binding):
        """(filename, data), or None when gone, expired, tampered or someone else's."""
        paths = self._paths(token)
        if paths is None or not all(p.is_file() for p in paths):
            return None
        try:
            meta = json.loads(paths[1].read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if meta.get("binding") != binding:
            return None
        return meta.get("filename") or "", paths[0].read_bytes()

    def discard(self, token):
        for path in self._paths(token) or ():
            path.unlink(missing_ok=True)

    def _remove_stale(self):
        cutoff = time.time() - MAX_AGE_SECONDS
        for path in self._dir().iterdir():
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                pass  # another worker removed it first
