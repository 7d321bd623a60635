"""mooc.core.storage: content-addressed keys, sniffed types, limits, safe paths."""
import hashlib
import io
import os
import time
import zipfile

import pytest

from mooc.core import storage
from mooc.core.registry import contributions
from mooc.core.storage import StorageError

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"1 0 obj\n" * 10


def office_zip(member):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, "<x/>")
    return buffer.getvalue()


def cfb(stream_name):
    # Enough of an OLE compound file for the sniffer: magic + a directory entry name.
    return storage.CFB_MAGIC + b"\x00" * 504 + stream_name.encode("utf-16-le") + b"\x00" * 64


class Upload(io.BytesIO):
    """Counts reads, to prove the upload is streamed in chunks."""
    reads = 0

    def read(self, size=-1):
        self.reads += 1
        assert size and 0 < size <= storage.CHUNK, "storage must read in bounded chunks"
        return super().read(size)


def test_keys_are_content_addressed_and_deduplicated(app):
    first = storage.store_bytes(PNG, owner="catalog", max_bytes=1024, allowed_exts=storage.IMAGE_EXTS)
    sha = hashlib.sha256(PNG).hexdigest()
    assert first.key == f"{sha[:2]}/{sha}.png" and first.size == len(PNG)
    assert first.mime == "image/png" and first.sha256 == sha
    again = storage.store_bytes(PNG, owner="catalog", max_bytes=1024, allowed_exts=storage.IMAGE_EXTS)
    assert again.key == first.key
    assert storage.exists(first.key)
    with storage.open_key(first.key) as handle:
        assert handle.read() == PNG
    root = app.config["MEDIA_ROOT"]
    assert os.listdir(root / storage.TMP_DIR) == []  # no temp file left behind


def test_upload_is_streamed_in_chunks(app):
    data = PDF + b"x" * (3 * storage.CHUNK)
    upload = Upload(data)
    stored = storage.store_stream(upload, owner="catalog", max_bytes=len(data), allowed_exts={"pdf"})
    assert upload.reads >= 4 and stored.size == len(data)


@pytest.mark.parametrize("data, ext", [
    (PNG, "png"), (JPEG, "jpg"), (b"GIF89a" + b"\x00" * 20, "gif"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"), (PDF, "pdf"),
    (office_zip("word/document.xml"), "docx"), (office_zip("ppt/presentation.xml"), "pptx"),
    (cfb("WordDocument"), "doc"), (cfb("PowerPoint Document"), "ppt"),
])
def test_type_comes_from_content(app, data, ext):
    stored = storage.store_bytes(data, owner="catalog", max_bytes=10 ** 6,
                                 allowed_exts=storage.IMAGE_EXTS | storage.DOCUMENT_EXTS)
    assert stored.ext == ext and stored.key.endswith("." + ext)


@pytest.mark.parametrize("data", [
    b"<svg onload=alert(1)></svg>", b"<html><script>alert(1)</script>", b"MZ\x90\x00 an exe",
    office_zip("xl/workbook.xml"), b"PK\x03\x04 broken zip", cfb("Workbook"),
])
def test_other_content_is_refused_whatever_the_name(app, data):
    with pytest.raises(StorageError, match="不支持的文件类型"):
        storage.store_bytes(data, owner="catalog", max_bytes=10 ** 6,
                            allowed_exts=storage.IMAGE_EXTS | storage.DOCUMENT_EXTS)
    assert os.listdir(app.config["MEDIA_ROOT"] / storage.TMP_DIR) == []


def test_a_pdf_is_not_an_image(app):
    with pytest.raises(StorageError, match="PNG"):
        storage.store_bytes(PDF, owner="catalog", max_bytes=10 ** 6, allowed_exts=storage.IMAGE_EXTS)


def test_size_limit_and_empty_files(app):
    with pytest.raises(StorageError, match="文件太大：最大允许 1 KB"):
        storage.store_bytes(PNG + b"\x00" * 2000, owner="catalog", max_bytes=1024,
                            allowed_exts=storage.IMAGE_EXTS)
    with pytest.raises(StorageError, match="文件是空的"):
        storage.store_bytes(b"", owner="catalog", max_bytes=1024, allowed_exts=storage.IMAGE_EXTS)
    assert os.listdir(app.config["MEDIA_ROOT"] / storage.TMP_DIR) == []


@pytest.mark.parametrize("key", [
    "../etc/passwd", "ab/../../etc/passwd", "/etc/passwd", "ab/" + "a" * 64 + ".png",
    "ab/" + "ab" * 32 + ".png/../x", "AB/" + "AB" * 32 + ".png", "", None, "ab\\" + "ab" * 32,
])
def test_only_well_formed_keys_are_accepted(app, key):
    with pytest.raises(StorageError):
        storage.path_for(key)
    assert not storage.exists(key)


def test_garbage_collection_keeps_referenced_and_recent_files(app):
    kept = storage.store_bytes(PNG, owner="catalog", max_bytes=1024, allowed_exts=storage.IMAGE_EXTS)
    dropped = storage.store_bytes(JPEG, owner="catalog", max_bytes=1024, allowed_exts=storage.IMAGE_EXTS)
    recent = storage.store_bytes(PDF, owner="catalog", max_bytes=1024, allowed_exts={"pdf"})
    check = lambda key: key == kept.key  # noqa: E731
    checks = contributions(app).reference_checks
    real_check, checks["catalog"] = checks["catalog"], check
    try:
        old = time.time() - 3 * 24 * 3600
        for stored in (kept, dropped):
            os.utime(storage.path_for(stored.key), (old, old))
        assert storage.collect_garbage() == [dropped.key]
        assert storage.exists(kept.key) and storage.exists(recent.key)
        assert not storage.exists(dropped.key)
    finally:
        checks["catalog"] = real_check


def test_send_answers_ranges_privately(app):
    stored = storage.store_bytes(PDF, owner="catalog", max_bytes=1024, allowed_exts={"pdf"})
    with app.test_request_context(headers={"Range": "bytes=0-3"}):
        response = storage.send(stored.key, download_name="学习材料.pdf", as_attachment=True)
        assert response.status_code == 206
        assert response.headers["Cache-Control"].startswith("private")
        assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
        response.close()
