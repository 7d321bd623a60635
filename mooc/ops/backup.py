"""Backups that restore: `flask --app mooc backup create DIR` / `backup restore DIR`.

A backup directory holds
  database.sqlite3 | database.pgdump   SQLite online backup API / pg_dump custom format
  media/<path>                         every file under MEDIA_ROOT (except tmp/)
  search_index/                        the current Whoosh index version (or absent)
  manifest.json                        checksums, row counts, app version

Media are incremental by hash: each file is stored once in a shared object store
next to the backups (DIR/../media-store/<sha256[:2]>/<sha256>) and hard-linked into
DIR/media, so a nightly backup copies only files it has never seen. Content-addressed
files carry their hash in their name, so they are not re-read; derived outputs
(renditions, posters, captions) are hashed. Where hard links are impossible (another
filesystem) the file is copied.

Restore goes only into an empty instance (no tables with rows, no media, no index)
and verifies every checksum before it writes anything.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, func, inspect, select

from mooc.core import storage
from mooc.extensions import db
from mooc.search import services

FORMAT = 1
STORE_NAME = "media-store"
SKIP_MEDIA_DIRS = {storage.TMP_DIR}   # partial uploads are not worth keeping


class BackupError(RuntimeError):
    """Refused or failed; the message is for the administrator, in Chinese."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def app_version() -> dict:
    from alembic.script import ScriptDirectory
    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    version = {"migration_heads": sorted(script.get_heads())}
    try:
        version["git"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=current_app.root_path,
            capture_output=True, text=True, timeout=5).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        version["git"] = None
    return version


def row_counts() -> dict:
    """Rows per model table, read on a connection of its own (never the caller's session,
    whose open SQLite write transaction would block it)."""
    with db.engine.connect() as conn:
        return _count_rows(conn)


def libpq_url(url) -> str:
    """The SQLAlchemy URL as pg_dump/pg_restore take it (no "+psycopg", password kept)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


# ---------------------------------------------------------------- create ----------

def _count_rows(conn) -> dict:
    names = set(inspect(conn).get_table_names())
    return {table.name: conn.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables if table.name in names}


def _dump_database(target: Path) -> tuple[dict, dict]:
    """Write the snapshot; return (its description, row counts of that same snapshot)."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        out = target / "database.sqlite3"
        # The online backup API copies a consistent snapshot while others keep writing
        # (copying the file would miss whatever still sits in the -wal file).
        source = sqlite3.connect(engine.url.database)
        try:
            dest = sqlite3.connect(out)
            with dest:
                source.backup(dest)
            dest.close()
        finally:
            source.close()
        snapshot = create_engine(f"sqlite:///{out}")
        try:
            with snapshot.connect() as conn:
                counts = _count_rows(conn)
        finally:
            snapshot.dispose()
    elif engine.dialect.name == "postgresql":
        out = target / "database.pgdump"
        # Count rows and dump in one snapshot: a repeatable-read transaction exports it
        # and pg_dump joins it, so the manifest's counts are exactly what was dumped.
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            counts = _count_rows(conn)
            result = subprocess.run(["pg_dump", "--format=custom", "--no-owner",
                                     f"--snapshot={snapshot}", f"--file={out}",
                                     libpq_url(engine.url)],
                                    capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_dump 失败：{result.stderr.strip()[:500]}")
    else:
        raise BackupError(f"不支持的数据库：{engine.dialect.name}")
    return ({"backend": engine.dialect.name, "file": out.name, "sha256": sha256_of(out),
             "size": out.stat().st_size}, counts)


def _link_or_copy(source: Path, dest: Path) -> str:
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, dest)
        return "linked"
    except OSError:
        shutil.copy2(source, dest)
        return "copied"


def _media_hash(rel: str, path: Path) -> str:
    name = rel.rsplit("/", 1)[-1]
    if storage.is_valid_key(rel):
        return name.split(".", 1)[0]       # content-addressed: the name is the hash
    return sha256_of(path)


def _copy_media(target: Path, store: Path) -> dict:
    root = Path(current_app.config["MEDIA_ROOT"])
    files, stats = {}, {"new": 0, "reused": 0, "bytes_new": 0}
    if not root.is_dir():
        return {"files": files, **stats}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or rel.split("/", 1)[0] in SKIP_MEDIA_DIRS:
            continue
        digest = _media_hash(rel, path)
        obj = store / digest[:2] / digest
        if obj.exists():
            stats["reused"] += 1
        else:
            # Write under a temporary name first: an interrupted backup never leaves a
            # truncated object that a later backup would trust.
            obj.parent.mkdir(parents=True, exist_ok=True)
            partial = obj.with_suffix(".partial")
            shutil.copyfile(path, partial)
            os.replace(partial, obj)
            stats["new"] += 1
            stats["bytes_new"] += obj.stat().st_size
        _link_or_copy(obj, target / "media" / rel)
        files[rel] = {"sha256": digest, "size": obj.stat().st_size}
    return {"files": files, **stats}


def _copy_index(target: Path) -> dict:
    current = services.current_dir()
    if current is None or not current.is_dir():
        return {"copied": False, "note": "没有搜索索引：恢复后运行 flask --app mooc search rebuild"}
    dest = target / "search_index" / current.name
    # Whoosh never rewrites a file in place (new segments, then a new TOC), and merged-away
    # files live 10 more minutes: copying the directory gives a readable index.
    shutil.copytree(current, dest)
    files = {p.relative_to(dest).as_posix(): sha256_of(p)
             for p in sorted(dest.rglob("*")) if p.is_file()}
    return {"copied": True, "version": current.name, "files": files,
            "note": "索引可能比数据库快照稍旧；worker 会补上待处理的变更，"
                    "或运行 flask --app mooc search rebuild 得到完全一致的索引"}


def create(target, store=None) -> dict:
    target = Path(target).resolve()
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"备份目录 {target} 已存在且不为空，请换一个新目录。")
    target.mkdir(parents=True, exist_ok=True)
    store = Path(store).resolve() if store else target.parent / STORE_NAME
    started = time.time()
    # Database first: media files referenced by its rows exist already (files are
    # written before the rows that name them, and removed only after a grace period).
    database, counts = _dump_database(target)
    manifest = {
        "format": FORMAT,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "version": app_version(),
        "database": database,
        "row_counts": counts,
        "media": _copy_media(target, store),
        "media_store": os.path.relpath(store, target),
        "search_index": _copy_index(target),
    }
    manifest["seconds"] = round(time.time() - started, 2)
    partial = target / "manifest.json.partial"
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(partial, target / "manifest.json")  # present ⇔ the backup is complete
    return manifest
