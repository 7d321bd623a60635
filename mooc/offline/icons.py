"""The home-screen icons (static/icons/icon-*.png), drawn with Pillow.

Committed as PNGs; `flask --app mooc offline icons` draws them again (e.g. after a
colour change). The glyph 党 needs a CJK font (Debian's fonts-noto-cjk); without one a
plain star is drawn, so the command never fails for want of a font.
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

RED, GOLD = (183, 28, 28), (255, 213, 79)
SIZES = (192, 512)
FONT_CANDIDATES = ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
                   "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")


def draw_icon(size: int, *, maskable: bool = False) -> Image.Image:
    """A gold 党 on red; maskable icons keep the glyph inside the 80 % safe zone."""
    image = Image.new("RGB", (size, size), RED)
    draw = ImageDraw.Draw(image)
    if not maskable:
        image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        draw = ImageDraw.Draw(image)
        draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 6, fill=RED)
    glyph_size = int(size * (0.5 if maskable else 0.62))
    font_path = next((p for p in FONT_CANDIDATES if Path(p).is_file()), None)
    if font_path:
        font = ImageFont.truetype(font_path, glyph_size)
        draw.text((size / 2, size / 2), "党", font=font, fill=GOLD, anchor="mm")
    else:
        r, c = glyph_size / 2, size / 2
        import math
        points = [(c + (r if i % 2 == 0 else r / 2.6) * math.sin(i * math.pi / 5),
                   c - (r if i % 2 == 0 else r / 2.6) * math.cos(i * math.pi / 5)) for i in range(10)]
        draw.polygon(points, fill=GOLD)
    return image


def write_icons(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for size in SIZES:
        for maskable in (False, True):
            path = directory / f"icon-{size}{'-maskable' if maskable else ''}.png"
            draw_icon(size, maskable=maskable).save(path, optimize=True)
            written.append(path)
    return written
