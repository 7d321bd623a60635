"""Derived files: outputs made from a stored file (video renditions, posters, HLS).

They live in MEDIA_ROOT/derived/<namespace>/<id>/<name>: one directory per owning
row, so deleting the row's outputs is one rmtree. Names are fixed by the feature
(e.g. "360.mp4", "hls/720/00001.ts"), never taken from an uploader; anything else
is refused. They sit under MEDIA_ROOT, so the nginx `internal` location serves them
with X-Accel-Redirect exactly like content-addressed keys.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from flask import abort, current_app, send_file
from werkzeug.security import safe_join

from mooc.core.storage.keys import NAME_RE, StorageError, media_root
from mooc.core.textclean import content_disposition

DERIVED_DIR = "derived"
# Each path part starts with a letter, digit, "_" or "-": no "..", no hidden work dirs.
_DERIVED_NAME_RE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}"
                              r"(?:/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}){0,3}$")


def _derived_rel(namespace: str, ident: int) -> str:
    if not NAME_RE.match(namespace or "") or isinstance(ident, bool) \
            or not isinstance(ident, int) or ident < 0:
        raise StorageError("文件标识无效。")
    return f"{DERIVED_DIR}/{namespace}/{ident}"


def is_valid_derived_name(name) -> bool:
    return isinstance(name, str) and bool(_DERIVED_NAME_RE.match(name))


def derived_dir(namespace: str, ident: int) -> Path:
    """The directory for one row's outputs (not created here)."""
    joined = safe_join(str(media_root()), _derived_rel(namespace, ident))
    if joined is None:
        raise StorageError("文件标识无效。")
    return Path(joined)


def derived_path(namespace: str, ident: int, name: str) -> Path:
    if not is_valid_derived_name(name):
        raise StorageError("文件标识无效。")
    joined = safe_join(str(derived_dir(namespace, ident)), name)
    if joined is None:
        raise StorageError("文件标识无效。")
    return Path(joined)


def derived_exists(namespace: str, ident: int, name: str) -> bool:
    try:
        return derived_path(namespace, ident, name).is_file()
    except StorageError:
        return False


def derived_idents(namespace: str) -> list[int]:
    """Ids that have an output directory (for clean-up of rows that are gone)."""
    base = media_root() / DERIVED_DIR / namespace
    if not NAME_RE.match(namespace) or not base.is_dir():
        return []
    return sorted(int(p.name) for p in base.iterdir() if p.is_dir() and p.name.isdigit())


def remove_derived(namespace: str, ident: int) -> None:
    shutil.rmtree(derived_dir(namespace, ident), ignore_errors=True)


def send_derived(namespace: str, ident: int, name: str, *, mimetype: str, max_age: int = 3600,
                 download_name: str | None = None):
    """Like `send`, for a derived file (Range, If-None-Match, X-Accel-Redirect)."""
    if not derived_exists(namespace, ident, name):
        abort(404)
    config = current_app.config
    if config.get("USE_X_ACCEL_REDIRECT"):
        response = current_app.response_class(mimetype=mimetype)
        response.headers["X-Accel-Redirect"] = (config["X_ACCEL_PREFIX"]
                                                + f"{_derived_rel(namespace, ident)}/{name}")
    else:
        response = send_file(derived_path(namespace, ident, name), mimetype=mimetype,
                             conditional=True, etag=True)
    if download_name:
        response.headers["Content-Disposition"] = content_disposition(download_name,
                                                                      attachment=False)
    response.headers["Cache-Control"] = f"private, max-age={int(max_age)}"
    return response


def derived_namespaces() -> list[str]:
    """Namespaces that have outputs on disk (each is the name of the feature owning them)."""
    base = media_root() / DERIVED_DIR
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if p.is_dir() and NAME_RE.match(p.name))
