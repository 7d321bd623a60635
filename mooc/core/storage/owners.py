"""Which features have ever stored files: MEDIA_ROOT/.owners, one name per line.

Garbage collection may only judge a file unreferenced when every feature that can
reference it has registered its check. Recording the owner on every store (before
the file is put in place) lets `collect_garbage` see which checks it needs, in any
process, whatever modules that process happened to import.
"""
from __future__ import annotations

import fcntl
import os
import tempfile

from mooc.core.storage.keys import NAME_RE, StorageError, media_root

OWNERS_FILE = ".owners"
# Files stored before owners were recorded were written by these features.
LEGACY_OWNERS = frozenset({"catalog", "video", "certificates"})


def _owners_path():
    return media_root() / OWNERS_FILE


def recorded_owners() -> set[str]:
    path = _owners_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return set()
    return {line.strip() for line in text.splitlines() if line.strip()}


def record_owner(owner: str) -> None:
    """Add `owner` to the file, atomically (a locked rewrite, then a rename)."""
    if not isinstance(owner, str) or not NAME_RE.match(owner):
        raise StorageError("文件所属功能的名称无效。")
    if owner in recorded_owners():
        return  # the common case: one small read, no lock
    root = media_root()
    root.mkdir(parents=True, exist_ok=True)
    # Two processes adding owners at once: lock the directory itself (no lock file).
    dir_fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(dir_fd, fcntl.LOCK_EX)
        owners = recorded_owners()
        if owner in owners:
            return
        fd, tmp_name = tempfile.mkstemp(dir=root, prefix=OWNERS_FILE, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write("".join(f"{name}\n" for name in sorted(owners | {owner})))
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp_name, 0o644)
            os.replace(tmp_name, _owners_path())
        except BaseException:
            os.unlink(tmp_name)
            raise
    finally:
        os.close(dir_fd)  # releases the lock
