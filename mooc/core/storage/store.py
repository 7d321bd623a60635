"""Writing and serving content-addressed files under MEDIA_ROOT.

A file's key is ``ab/<sha256>.<ext>``: the name is its hash, so identical uploads are
stored once, a key can never be guessed from a filename, and a stored file never
changes (it may be cached forever by whoever is allowed to see it). The extension
comes from sniffing the content against a whitelist, never from the client's
filename; the original filename may be kept in a DB column for display only.

Uploads stream to a temp file in MEDIA_ROOT/tmp in chunks (never the whole file in
memory), hashing as they go, then move into place with an atomic rename on the same
filesystem. Access control is the caller's job: this module serves whatever key it
is given, so views check permissions before calling `send`.

Every store names its `owner` (the feature whose rows will reference the file); it
is recorded before the file is put in place, so garbage collection knows whose
reference checks it needs (see storage.owners and storage.garbage).
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from flask import abort, current_app, send_file

from mooc.core.storage.filetypes import human_size, mime_for, sniff, type_labels
from mooc.core.storage.keys import (CHUNK, HEAD, TMP_DIR, StorageError, exists, media_root,
                                    path_for)
from mooc.core.storage.owners import record_owner
from mooc.core.textclean import content_disposition


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str
    ext: str
    mime: str


def store_stream(fileobj, *, owner: str, max_bytes: int,
                 allowed_exts: Iterable[str]) -> StoredFile:
    """Stream an upload into storage; raises StorageError (Chinese) when refused.

    `fileobj` is anything with .read(n), or a werkzeug FileStorage.
    """
    allowed_exts = tuple(allowed_exts)
    stream = getattr(fileobj, "stream", fileobj)
    tmp_dir = media_root() / TMP_DIR
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, suffix=".part")
    tmp_path = Path(tmp_name)
    digest, size, head = hashlib.sha256(), 0, b""
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise StorageError(f"文件太大：最大允许 {human_size(max_bytes)}。")
                if len(head) < HEAD:
                    head += chunk[:HEAD - len(head)]
                digest.update(chunk)
                out.write(chunk)
        return _place(tmp_path, owner=owner, head=head, sha=digest.hexdigest(), size=size,
                      allowed_exts=allowed_exts)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def _place(path: Path, *, owner: str, head: bytes, sha: str, size: int,
           allowed_exts: Iterable[str]) -> StoredFile:
    """Check a fully written file under MEDIA_ROOT/tmp and rename it to its content key."""
    if size == 0:
        raise StorageError("文件是空的，请重新选择。")
    file_type = sniff(head, path, allowed_exts)
    if file_type is None:
        raise StorageError(f"不支持的文件类型：只接受 {type_labels(allowed_exts)}"
                           "（按文件内容判断，改扩展名无效）。")
    key = f"{sha[:2]}/{sha}.{file_type.ext}"
    record_owner(owner)  # before the file exists: a crash in between leaves no unowned file
    final = path_for(key)
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        os.utime(final)  # restarts the garbage collector's grace period
        path.unlink(missing_ok=True)
    else:
        os.chmod(path, 0o644)  # mkstemp makes 0600; nginx may serve it
        os.replace(path, final)
    return StoredFile(key=key, size=size, sha256=sha, ext=file_type.ext, mime=file_type.mime)


def store_bytes(data: bytes, *, owner: str, max_bytes: int,
                allowed_exts: Iterable[str]) -> StoredFile:
    return store_stream(io.BytesIO(data), owner=owner, max_bytes=max_bytes,
                        allowed_exts=allowed_exts)


def store_file(path: Path, *, owner: str, allowed_exts: Iterable[str],
               move: bool = False) -> StoredFile:
    """Store a local file (a finished upload, a file from a course package).

    With `move=True` and the file inside MEDIA_ROOT/tmp it is hashed and renamed
    into place (no copy of a 2 GB video); otherwise it is streamed in like an upload.
    Raises StorageError (Chinese) when its content is not an allowed type.
    """
    path = Path(path)
    allowed_exts = tuple(allowed_exts)
    tmp_dir = (media_root() / TMP_DIR).resolve()
    if not (move and path.resolve().parent == tmp_dir):
        with open(path, "rb") as handle:
            stored = store_stream(handle, owner=owner, max_bytes=max(1, path.stat().st_size),
                                  allowed_exts=allowed_exts)
        if move:
            path.unlink(missing_ok=True)
        return stored
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        head = handle.read(HEAD)
        digest.update(head)
        size += len(head)
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return _place(path, owner=owner, head=head, sha=digest.hexdigest(), size=size,
                  allowed_exts=allowed_exts)


def sha256_of_file(path: Path) -> str:
    """The content hash a stored copy of this file would be keyed by."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def send(key: str, *, download_name: str | None = None, as_attachment: bool = False,
         mimetype: str | None = None, max_age: int = 3600):
    """A response for a stored file (Range and If-None-Match work); caller checked access."""
    if not exists(key):
        abort(404)
    mimetype = mimetype or mime_for(key)
    config = current_app.config
    if config.get("USE_X_ACCEL_REDIRECT"):
        # nginx serves the bytes from an `internal` location after this check.
        response = current_app.response_class(mimetype=mimetype)
        response.headers["X-Accel-Redirect"] = config["X_ACCEL_PREFIX"] + key
    else:
        response = send_file(path_for(key), mimetype=mimetype, conditional=True, etag=True)
    if as_attachment or download_name:
        response.headers["Content-Disposition"] = content_disposition(
            download_name or key.rsplit("/", 1)[-1], attachment=as_attachment)
    # Content never changes under a key, but it is access-controlled: private caches only.
    response.headers["Cache-Control"] = f"private, max-age={max_age}"
    return response
