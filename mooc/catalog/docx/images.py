"""Pictures embedded in a Word document, handed to the caller's image store.

Only formats a browser shows are stored; BMP and TIFF (common in documents
scanned or pasted from old tools) are converted to PNG first.
"""
from __future__ import annotations

import io
from typing import Callable

_WEB_IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/jpg": "jpg",
                    "image/gif": "gif", "image/webp": "webp"}
_CONVERTIBLE_IMAGE_TYPES = {"image/bmp", "image/x-bmp", "image/tiff", "image/x-ms-bmp"}


class ImageImporter:
    """Stores each distinct picture once (up to ``max_images``) and remembers its URL."""

    def __init__(self, part, store_image: Callable[[bytes, str], str],
                 warn: Callable[[str], None], *, max_images: int, max_image_bytes: int) -> None:
        self.part = part
        self.store_image = store_image
        self.warn = warn
        self.max_images = max_images
        self.max_image_bytes = max_image_bytes
        self.urls: dict[str, str | None] = {}    # part name → URL, None once refused
        self.count = 0

    def url(self, rel_id: str) -> str | None:
        """The URL of the picture behind relationship ``rel_id``; None (with a warning) if skipped."""
        part = self.part.related_parts.get(rel_id)
        if part is None:
            return None
        key = str(part.partname)
        if key in self.urls:
            return self.urls[key]
        self.urls[key] = None
        if self.count >= self.max_images:
            self.warn(f"图片过多，只导入了前 {self.max_images} 张")
            return None
        blob, content_type = part.blob, (part.content_type or "").lower()
        if len(blob) > self.max_image_bytes:
            self.warn(f"有图片超过 {self.max_image_bytes // (1024 * 1024)} MB，已跳过，请压缩后手动插入")
            return None
        ext = _WEB_IMAGE_TYPES.get(content_type)
        if ext is None and content_type in _CONVERTIBLE_IMAGE_TYPES:
            blob, ext = _to_png(blob), "png"
        if ext is None or blob is None:
            self.warn(f"图片格式（{content_type or '未知'}）无法在网页中显示，已跳过；"
                      "请在 Word 中将图片另存为 PNG 或 JPG 后重新插入")
            return None
        try:
            url = self.store_image(blob, ext)
        except ValueError as error:
            self.warn(f"有图片无法保存：{error}")
            return None
        self.count += 1
        self.urls[key] = url
        return url


def _to_png(blob: bytes) -> bytes | None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(blob)) as image:
            buffer = io.BytesIO()
            image.save(buffer, "PNG")
            return buffer.getvalue()
    except Exception:
        return None
