"""`flask --app mooc backup restore DIR`: into an empty instance only, checksums first.

"Empty" means: no table holds a row (a fresh `db upgrade` or no tables at all), no
file under MEDIA_ROOT (except tmp/) and no search index. Anything else is refused:
restoring over live data would silently mix two sites.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect

from mooc.extensions import db
from mooc.ops.backup import (BackupError, SKIP_MEDIA_DIRS, _link_or_copy, libpq_url, row_counts,
                             sha256_of)


def read_manifest(source: Path) -> dict:
    path = source / "manifest.json"
    if not path.is_file():
        raise BackupError(f"{source} 不是完整的备份：缺少 manifest.json（备份可能中途失败）。")
    return json.loads(path.read_text(encoding="utf-8"))


def verify(source) -> dict:
    """Check every checksum in the manifest; raise BackupError listing what is wrong."""
    source = Path(source).resolve()
    manifest = read_manifest(source)
    problems = []
    database = manifest["database"]
    db_file = source / database["file"]
    if not db_file.is_file() or sha256_of(db_file) != database["sha256"]:
        problems.append(f"数据库文件 {database['file']} 缺失或校验和不符")
    for rel, info in manifest["media"]["files"].items():
        path = source / "media" / rel
        if not path.is_file() or sha256_of(path) != info["sha256"]:
            problems.append(f"媒体文件 {rel} 缺失或校验和不符")
    index = manifest["search_index"]
    for rel, digest in (index.get("files") or {}).items():
        path = source / "search_index" / index["version"] / rel
        if not path.is_file() or sha256_of(path) != digest:
            problems.append(f"索引文件 {rel} 缺失或校验和不符")
    if problems:
        shown = "；".join(problems[:10]) + (f" 等 {len(problems)} 处" if len(problems) > 10 else "")
        raise BackupError("备份校验失败，未做任何恢复：" + shown)
    return manifest


def emptiness_problems() -> list[str]:
    problems = []
    nonempty = [name for name, count in row_counts().items() if count]
    if nonempty:
        problems.append("数据库已有数据（" + "、".join(nonempty[:5]) + "）")
    media = Path(current_app.config["MEDIA_ROOT"])
    if media.is_dir() and any(p.is_file() for p in media.rglob("*")
                              if p.relative_to(media).parts[0] not in SKIP_MEDIA_DIRS):
        problems.append(f"媒体目录 {media} 不为空")
    index = Path(current_app.config["SEARCH_INDEX_DIR"])
    if index.is_dir() and any(index.iterdir()):
        problems.append(f"搜索索引目录 {index} 不为空")
    return problems


def _drop_all_tables():
    # A fresh instance may already have run `db upgrade` (empty tables, alembic_version):
    # the dump brings its own schema and migration version, so start from nothing.
    db.session.remove()
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            for name in inspect(conn).get_table_names():
                conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}" CASCADE')
        else:
            conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
            for name in inspect(conn).get_table_names():
                conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')


def _restore_database(source: Path, manifest: dict):
    database = manifest["database"]
    backend = db.engine.dialect.name
    if database["backend"] != backend:
        raise BackupError(f"备份来自 {database['backend']}，当前实例使用 {backend}：无法直接恢复。")
    _drop_all_tables()
    if backend == "sqlite":
        # Through the backup API again, into the live file: WAL and open connections stay
        # coherent (replacing the file under them would not).
        src = sqlite3.connect(source / database["file"])
        dest = sqlite3.connect(db.engine.url.database)
        try:
            src.backup(dest)
        finally:
            src.close()
            dest.close()
    else:
        db.engine.dispose()
        result = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error",
                                 f"--dbname={libpq_url(db.engine.url)}",
                                 str(source / database["file"])],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_restore 失败：{result.stderr.strip()[:500]}")
    db.engine.dispose()  # connections opened before the restore saw the old schema


def restore(source) -> dict:
    source = Path(source).resolve()
    db.session.remove()  # no transaction of ours may hold the database while we check it
    problems = emptiness_problems()
    if problems:
        raise BackupError("只能恢复到空实例：" + "；".join(problems) + "。请使用新的数据库和目录。")
    manifest = verify(source)
    _restore_database(source, manifest)
    media_root = Path(current_app.config["MEDIA_ROOT"])
    for rel in manifest["media"]["files"]:
        # Hard links keep a restore of a large media library fast; stored files never
        # change in place, so sharing the inode with the backup is safe.
        _link_or_copy(source / "media" / rel, media_root / rel)
    index = manifest["search_index"]
    if index.get("copied"):
        root = Path(current_app.config["SEARCH_INDEX_DIR"])
        root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source / "search_index" / index["version"], root / index["version"])
        os.symlink(index["version"], root / "current")
    counts = row_counts()
    if counts != manifest["row_counts"]:
        differ = {k: (manifest["row_counts"].get(k), counts.get(k))
                  for k in set(counts) | set(manifest["row_counts"])
                  if counts.get(k) != manifest["row_counts"].get(k)}
        raise BackupError(f"恢复后行数与备份不符：{differ}")
    return manifest
