"""Keys and paths: where a content-addressed file lives under MEDIA_ROOT.

A file's key is ``ab/<sha256>.<ext>``; anything that is not a well-formed key is
refused before it comes near the filesystem.
"""
from __future__ import annotations

import re
from pathlib import Path

from flask import current_app
from werkzeug.security import safe_join

CHUNK = 64 * 1024
HEAD = 8 * 1024
TMP_DIR = "tmp"
KEY_RE = re.compile(r"^([0-9a-f]{2})/([0-9a-f]{64})\.([a-z0-9]{1,5})$")
# Names of features (owners) and of derived-file namespaces.
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class StorageError(ValueError):
    """The file was refused; the message is for the user, in Chinese."""


def media_root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


def is_valid_key(key) -> bool:
    match = KEY_RE.match(key or "") if isinstance(key, str) else None
    return bool(match) and match.group(2).startswith(match.group(1))


def path_for(key: str) -> Path:
    """The file for a key; anything that is not a well-formed key is refused."""
    if not is_valid_key(key):
        raise StorageError("文件标识无效。")
    joined = safe_join(str(media_root()), key)
    if joined is None:
        raise StorageError("文件标识无效。")
    return Path(joined)


def exists(key: str) -> bool:
    return is_valid_key(key) and path_for(key).is_file()


def open_key(key: str):
    return open(path_for(key), "rb")


def key_digest(key: str) -> str | None:
    match = KEY_RE.match(key or "")
    return match.group(2) if match else None
