"""Resumable uploads: a partial file in MEDIA_ROOT/tmp that grows chunk by chunk.

The id is chosen by the server (random hex); collect_garbage removes partials
nobody finished within its grace period, like any other temp file.
"""
from __future__ import annotations

import fcntl
import os
import re
from pathlib import Path

from mooc.core.storage.keys import CHUNK, TMP_DIR, StorageError, media_root

_UPLOAD_ID_RE = re.compile(r"^[0-9a-f]{32}$")


def partial_path(upload_id: str) -> Path:
    if not isinstance(upload_id, str) or not _UPLOAD_ID_RE.match(upload_id):
        raise StorageError("上传标识无效。")
    return media_root() / TMP_DIR / f"upload-{upload_id}.part"


def partial_size(upload_id: str) -> int:
    path = partial_path(upload_id)
    return path.stat().st_size if path.is_file() else 0


class PartialBusy(StorageError):
    """Another request is writing the same partial upload."""


def append_partial(upload_id: str, stream, *, offset: int, limit: int) -> int:
    """Append `stream` at `offset` (must be the current size); returns the new size.

    Streams in CHUNK pieces. An exclusive lock refuses a second writer instead of
    interleaving bytes; a dropped connection keeps what arrived, and the client
    resumes from the size reported back. Writing past `limit` is refused (and the
    excess is not kept).
    """
    path = partial_path(upload_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab") as out:
        try:
            fcntl.flock(out.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PartialBusy("该文件正在上传中，请勿重复上传。")
        size = os.fstat(out.fileno()).st_size
        if offset != size:
            raise StorageError("上传位置不一致。")
        try:
            while chunk := stream.read(CHUNK):
                if size + len(chunk) > limit:
                    out.write(chunk[:max(0, limit - size)])
                    size = limit
                    raise StorageError("上传的数据超过了声明的文件大小。")
                out.write(chunk)
                size += len(chunk)
        finally:
            out.flush()
            os.fsync(out.fileno())
    return size


def discard_partial(upload_id: str) -> None:
    partial_path(upload_id).unlink(missing_ok=True)
