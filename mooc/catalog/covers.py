"""Course covers are resized on the server: a phone should not download a 5 MB photo to
show a 88 px thumbnail. The resized JPEG is stored like any file (content-addressed
through mooc.core.storage), so the same picture uploaded twice is stored once."""
import io

from PIL import Image, ImageOps

COVER_SIZE = (1280, 720)     # 16:9, what the course page shows at most
QUALITY = 85


def resized_cover(data):
    """JPEG bytes no larger than COVER_SIZE, or None to keep the upload as it is (already
    small, animated, or not an image Pillow can read — storage then judges the file)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if getattr(image, "is_animated", False):
                return None
            if image.width <= COVER_SIZE[0] and image.height <= COVER_SIZE[1]:
                return None
            image = ImageOps.exif_transpose(image)
            image.thumbnail(COVER_SIZE, Image.Resampling.LANCZOS)
            if image.mode not in ("RGB", "L"):
                background = Image.new("RGB", image.size, (255, 255, 255))
                background.paste(image.convert("RGBA"), mask=image.convert("RGBA").split()[-1])
                image = background
            out = io.BytesIO()
            image.save(out, "JPEG", quality=QUALITY, optimize=True, progressive=True)
            return out.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
