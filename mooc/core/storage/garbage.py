"""Deleting stored files, but only what nothing references.

Files are shared between rows (same content → same key), so they are removed only
when nothing references them: each feature registers a reference check with the
app (`register_reference_check(app, owner, check)`), and `collect_garbage` deletes
unreferenced files after a grace period (an upload whose row is not committed yet
must not lose its file).

A missing check would make every file of that feature look unreferenced, so
deleting refuses to run unless the current app has a check for every owner that
ever stored a file (MEDIA_ROOT/.owners) and for every derived-file namespace.
"""
from __future__ import annotations

import time
from typing import Callable

from flask import current_app, has_app_context

from mooc.core.registry import contributions
from mooc.core.storage.derived import derived_namespaces
from mooc.core.storage.keys import (TMP_DIR, StorageError, exists, is_valid_key, media_root,
                                    path_for)
from mooc.core.storage.owners import LEGACY_OWNERS, OWNERS_FILE, recorded_owners


class GarbageCollectionRefused(StorageError):
    """Deleting could remove files still in use: a reference check is missing."""


def register_reference_check(app, owner: str, check: Callable[[str], bool]):
    """`check(key)` → True while some row of `owner` still uses the file (inside a session)."""
    checks = contributions(app).reference_checks
    if owner in checks:
        raise RuntimeError(f"two reference checks for storage owner {owner!r}")
    checks[owner] = check


def _checks() -> dict[str, Callable[[str], bool]]:
    if not has_app_context():
        raise GarbageCollectionRefused("无法清理文件：没有应用上下文，无法确认哪些文件仍在使用。")
    try:
        return contributions(current_app).reference_checks
    except RuntimeError:  # an app not built by create_app knows no features
        raise GarbageCollectionRefused("无法清理文件：应用没有登记任何功能，无法确认哪些文件仍在使用。")


def _owners_needing_checks() -> set[str]:
    owners = recorded_owners()
    if not owners and not (media_root() / OWNERS_FILE).exists() and _has_stored_files():
        owners = set(LEGACY_OWNERS)  # stored before owners were recorded
    return owners | set(derived_namespaces())


def _has_stored_files() -> bool:
    root = media_root()
    return root.is_dir() and any(p.is_file() and p.parent.name != TMP_DIR
                                 for p in root.glob("*/*"))


def complete_checks() -> dict[str, Callable[[str], bool]]:
    """The app's reference checks; refuses when a feature that stores files has none."""
    checks = _checks()
    missing = sorted(_owners_needing_checks() - set(checks))
    if missing:
        raise GarbageCollectionRefused(
            f"拒绝清理文件：功能“{'、'.join(missing)}”保存过文件，但当前应用没有登记它的引用检查，"
            "无法确认哪些文件仍在使用。请在完整加载各功能的应用中运行清理。")
    return checks


def is_referenced(key: str) -> bool:
    return any(check(key) for check in complete_checks().values())


def delete_if_unreferenced(key: str) -> bool:
    if not exists(key) or is_referenced(key):
        return False
    path_for(key).unlink(missing_ok=True)
    return True


def collect_garbage(min_age_seconds: int = 24 * 3600, now: float | None = None) -> list[str]:
    """Delete files nothing references that are older than the grace period.

    Raises GarbageCollectionRefused (nothing deleted) when a reference check is missing.
    """
    checks = complete_checks()
    now = time.time() if now is None else now
    root = media_root()
    removed = []
    if not root.is_dir():
        return removed
    for path in root.glob("*/*"):
        if not path.is_file() or now - path.stat().st_mtime < min_age_seconds:
            continue
        if path.parent.name == TMP_DIR:
            path.unlink(missing_ok=True)  # an upload that died half-way
            continue
        key = f"{path.parent.name}/{path.name}"
        if is_valid_key(key) and not any(check(key) for check in checks.values()):
            path.unlink(missing_ok=True)
            removed.append(key)
    return removed
