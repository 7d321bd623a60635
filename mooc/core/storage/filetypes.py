"""Content sniffing: a stored file's type comes from its bytes, never its name."""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from mooc.core.storage.keys import CHUNK


@dataclass(frozen=True)
class FileType:
    ext: str
    mime: str
    label: str
    sniff: Callable[[bytes, Path], bool]  # (first bytes, temp path) → is this type?


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
