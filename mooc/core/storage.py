"""The one place files are written, read and served: content-addressed under MEDIA_ROOT.

A file's key is ``ab/<sha256>.<ext>``: the name is its hash, so identical uploads are
stored once, a key can never be guessed from a filename, and a stored file never
changes (it may be cached forever by whoever is allowed to see it). The extension
comes from sniffing the content against a whitelist, never from the client's
filename; the original filename may be kept in a DB column for display only.

Uploads stream to a temp file in MEDIA_ROOT/tmp in chunks (never the whole file in
memory), hashing as they go, then move into place with an atomic rename on the same
filesystem. Access control is the caller's job: this module serves whatever key it
is given, so views check permissions before calling `send`.

Files are shared between rows (same content → same key), so they are removed only
when nothing references them: features register a reference check, and
`collect_garbage` deletes unreferenced files after a grace period (an upload whose
row is not committed yet must not lose its file).
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import quote

from flask import abort, current_app, send_file
from werkzeug.http import dump_options_header
from werkzeug.security import safe_join

CHUNK = 64 * 1024
HEAD = 8 * 1024
TMP_DIR = "tmp"
KEY_RE = re.compile(r"^([0-9a-f]{2})/([0-9a-f]{64})\.([a-z0-9]{1,5})$")


class StorageError(ValueError):
    """The file was refused; the message is for the user, in Chinese."""


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str
    ext: str
    mime: str


@dataclass(frozen=True)
class FileType:
    ext: str
    mime: str
    label: str
    sniff: Callable[[bytes, Path], bool]  # (first bytes, temp path) → is this type?


# --------------------------------------------------------------------------
# Content sniffing
# --------------------------------------------------------------------------

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .doc, .ppt, .xls


def _zip_has(path: Path, member: str) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return "[Content_Types].xml" in names and member in names


def _cfb_has_stream(path: Path, stream_name: str) -> bool:
    """Old Office files name their main stream in the CFB directory (UTF-16LE)."""
    needle = stream_name.encode("utf-16-le")
    overlap = len(needle)
    with open(path, "rb") as handle:
        if handle.read(len(CFB_MAGIC)) != CFB_MAGIC:
            return False
        tail = b""
        while chunk := handle.read(CHUNK):
            if needle in tail + chunk:
                return True
            tail = chunk[-overlap:]
    return False


def _starts(*prefixes):
    return lambda head, _path: any(head.startswith(p) for p in prefixes)


FILE_TYPES: dict[str, FileType] = {}


def register_type(file_type: FileType):
    """Features with other media (video, captions) add their types here."""
    FILE_TYPES[file_type.ext] = file_type


for _type in (
    FileType("png", "image/png", "PNG", _starts(b"\x89PNG\r\n\x1a\n")),
    FileType("jpg", "image/jpeg", "JPEG", _starts(b"\xff\xd8\xff")),
    FileType("gif", "image/gif", "GIF", _starts(b"GIF87a", b"GIF89a")),
    FileType("webp", "image/webp", "WebP",
             lambda head, _p: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
    FileType("pdf", "application/pdf", "PDF", _starts(b"%PDF-")),
    FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "Word (.docx)", lambda head, path: head.startswith(b"PK\x03\x04")
             and _zip_has(path, "word/document.xml")),
    FileType("pptx",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation",
             "PowerPoint (.pptx)", lambda head, path: head.startswith(b"PK\x03\x04")
             and _zip_has(path, "ppt/presentation.xml")),
    FileType("doc", "application/msword", "Word (.doc)",
             lambda head, path: head.startswith(CFB_MAGIC)
             and _cfb_has_stream(path, "WordDocument")),
    FileType("ppt", "application/vnd.ms-powerpoint", "PowerPoint (.ppt)",
             lambda head, path: head.startswith(CFB_MAGIC)
             and _cfb_has_stream(path, "PowerPoint Document")),
    FileType("mp4", "video/mp4", "MP4", lambda head, _p: head[4:8] == b"ftyp"),
    FileType("webm", "video/webm", "WebM", _starts(b"\x1a\x45\xdf\xa3")),
):
    register_type(_type)

IMAGE_EXTS = frozenset({"png", "jpg", "gif", "webp"})
DOCUMENT_EXTS = frozenset({"pdf", "doc", "docx", "ppt", "pptx"})


def sniff(head: bytes, path: Path, allowed_exts: Iterable[str]) -> FileType | None:
    for ext in allowed_exts:
        file_type = FILE_TYPES.get(ext)
        if file_type is not None and file_type.sniff(head, path):
            return file_type
    return None


def mime_for(key: str) -> str:
    ext = key.rsplit(".", 1)[-1]
    return FILE_TYPES[ext].mime if ext in FILE_TYPES else "application/octet-stream"


def human_size(size: int) -> str:
    if size >= 1024 ** 2:
        return f"{size / 1024 ** 2:.0f} MB" if size % 1024 ** 2 == 0 else \
            f"{size / 1024 ** 2:.1f} MB"
    return f"{max(1, size // 1024)} KB"


def type_labels(allowed_exts: Iterable[str]) -> str:
    return "、".join(FILE_TYPES[e].label for e in sorted(allowed_exts) if e in FILE_TYPES)


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------

def media_root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


def store_stream(fileobj, *, max_bytes: int, allowed_exts: Iterable[str]) -> StoredFile:
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
        return _place(tmp_path, head=head, sha=digest.hexdigest(), size=size,
                      allowed_exts=allowed_exts)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def _place(path: Path, *, head: bytes, sha: str, size: int,
           allowed_exts: Iterable[str]) -> StoredFile:
    """Check a fully written file under MEDIA_ROOT/tmp and rename it to its content key."""
    if size == 0:
        raise StorageError("文件是空的，请重新选择。")
    file_type = sniff(head, path, allowed_exts)
    if file_type is None:
        raise StorageError(f"不支持的文件类型：只接受 {type_labels(allowed_exts)}"
                           "（按文件内容判断，改扩展名无效）。")
    key = f"{sha[:2]}/{sha}.{file_type.ext}"
    final = path_for(key)
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        os.utime(final)  # restarts the garbage collector's grace period
        path.unlink(missing_ok=True)
    else:
        os.chmod(path, 0o644)  # mkstemp makes 0600; nginx may serve it
        os.replace(path, final)
    return StoredFile(key=key, size=size, sha256=sha, ext=file_type.ext, mime=file_type.mime)


def store_bytes(data: bytes, *, max_bytes: int, allowed_exts: Iterable[str]) -> StoredFile:
    return store_stream(io.BytesIO(data), max_bytes=max_bytes, allowed_exts=allowed_exts)


# --------------------------------------------------------------------------
# Reading and serving
# --------------------------------------------------------------------------

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
        if as_attachment or download_name:
            name = download_name or key.rsplit("/", 1)[-1]
            response.headers["Content-Disposition"] = dump_options_header(
                "attachment" if as_attachment else "inline", {"filename*": f"UTF-8''{quote(name)}"})
    else:
        response = send_file(path_for(key), mimetype=mimetype, as_attachment=as_attachment,
                             download_name=download_name, conditional=True, etag=True)
    # Content never changes under a key, but it is access-controlled: private caches only.
    response.headers["Cache-Control"] = f"private, max-age={max_age}"
    return response


# --------------------------------------------------------------------------
# Deleting: only what nothing references
# --------------------------------------------------------------------------

_REFERENCE_CHECKS: list[Callable[[str], bool]] = []


def register_reference_check(check: Callable[[str], bool]):
    """`check(key)` → True while some row still uses the file. Called inside a session."""
    if check not in _REFERENCE_CHECKS:
        _REFERENCE_CHECKS.append(check)


def is_referenced(key: str) -> bool:
    return any(check(key) for check in _REFERENCE_CHECKS)


def delete_if_unreferenced(key: str) -> bool:
    if not exists(key) or is_referenced(key):
        return False
    path_for(key).unlink(missing_ok=True)
    return True


def collect_garbage(min_age_seconds: int = 24 * 3600, now: float | None = None) -> list[str]:
    """Delete files nothing references that are older than the grace period."""
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
        if is_valid_key(key) and delete_if_unreferenced(key):
            removed.append(key)
    return removed


# --------------------------------------------------------------------------
# Derived files: outputs made from a stored file (video renditions, posters, HLS)
# --------------------------------------------------------------------------
# They live in MEDIA_ROOT/derived/<namespace>/<id>/<name>: one directory per owning
# row, so deleting the row's outputs is one rmtree. Names are fixed by the feature
# (e.g. "360.mp4", "hls/720/00001.ts"), never taken from an uploader; anything else
# is refused. They sit under MEDIA_ROOT, so the nginx `internal` location serves them
# with X-Accel-Redirect exactly like content-addressed keys.

DERIVED_DIR = "derived"
_NAMESPACE_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
# Each path part starts with a letter, digit, "_" or "-": no "..", no hidden work dirs.
_DERIVED_NAME_RE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}"
                              r"(?:/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}){0,3}$")
_UPLOAD_ID_RE = re.compile(r"^[0-9a-f]{32}$")


def _derived_rel(namespace: str, ident: int) -> str:
    if not _NAMESPACE_RE.match(namespace or "") or isinstance(ident, bool) \
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
    if not _NAMESPACE_RE.match(namespace) or not base.is_dir():
        return []
    return sorted(int(p.name) for p in base.iterdir() if p.is_dir() and p.name.isdigit())


def remove_derived(namespace: str, ident: int) -> None:
    import shutil
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
        if download_name:
            response.headers["Content-Disposition"] = dump_options_header(
                "inline", {"filename*": f"UTF-8''{quote(download_name)}"})
    else:
        response = send_file(derived_path(namespace, ident, name), mimetype=mimetype,
                             download_name=download_name, conditional=True, etag=True)
    response.headers["Cache-Control"] = f"private, max-age={int(max_age)}"
    return response


# --------------------------------------------------------------------------
# Resumable uploads: a partial file in MEDIA_ROOT/tmp that grows chunk by chunk
# --------------------------------------------------------------------------
# The id is chosen by the server (random hex); collect_garbage removes partials
# nobody finished within its grace period, like any other temp file.

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
    import fcntl
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


def store_file(path: Path, *, allowed_exts: Iterable[str], move: bool = False) -> StoredFile:
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
            stored = store_stream(handle, max_bytes=max(1, path.stat().st_size),
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
    return _place(path, head=head, sha=digest.hexdigest(), size=size, allowed_exts=allowed_exts)


def sha256_of_file(path: Path) -> str:
    """The content hash a stored copy of this file would be keyed by."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def key_digest(key: str) -> str | None:
    match = KEY_RE.match(key or "")
    return match.group(2) if match else None
