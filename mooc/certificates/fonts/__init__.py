"""Finding a CJK font that reportlab can embed in a certificate.

The certificate must carry its font inside the PDF: a non-embedded CID font
(STSong-Light) renders as boxes or a random substitute on machines without
it, and text copied from it may not come out as Chinese.  reportlab can only
embed TrueType outlines, which rules out the usual Noto/Source Han CFF
fonts, so we ship our own TrueType subset of Noto Serif CJK SC (see
build_font.py and OFL.txt next to this file).
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

FONT_PATH_ENV = "CERT_FONT_PATH"
SHIPPED_FONT = Path(__file__).with_name("djmk-cert-serif-sc.ttf")

# TrueType-outline CJK fonts found on common systems, best looking first.
# Fonts that turn out to be CFF-based or to refuse embedding are skipped.
SYSTEM_FONTS = (
    "/usr/share/fonts/truetype/arphic/uming.ttc",  # fonts-arphic-uming (Ming/Song style)
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # fonts-wqy-microhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # fonts-wqy-zenhei
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",  # fonts-droid-fallback
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",  # Fedora
    "/usr/share/fonts/google-droid-sans-fonts/DroidSansFallbackFull.ttf",  # Fedora
    "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
)


class CertificateFontError(RuntimeError):
    """No usable font: the message tells an operator what to do about it."""


def find_cjk_font(font_path: str | os.PathLike | None = None, required_text: str = "") -> Path:
    """Path of the font to embed in a certificate.

    Looks at, in order: ``font_path``; the ``CERT_FONT_PATH`` environment
    variable; the font shipped with the app; well-known system fonts.  A font
    named explicitly (argument or environment) is used or fails loudly.  Of
    the others the first that can be embedded and has a glyph for every
    character of ``required_text`` wins, so an unusual character in a name
    can still be printed when some system font has it.
    """
    explicit = font_path or os.environ.get(FONT_PATH_ENV)
    if explicit:
        path = Path(explicit)
        font = _load_or_explain(path)
        missing = missing_characters(font, required_text)
        if missing:
            raise CertificateFontError(f"字体 {path} 缺少以下字符，无法生成证书：{missing}")
        return path

    first_usable = None
    for path in (SHIPPED_FONT, *map(Path, SYSTEM_FONTS)):
        font = _load_quietly(path)
        if font is None:
            continue
        if not missing_characters(font, required_text):
            return path
        first_usable = first_usable or font
    if first_usable is None:
        raise CertificateFontError(
            f"找不到可嵌入 PDF 的中文 TrueType 字体（随程序附带的 {SHIPPED_FONT.name} 也不在）。"
            f"请设置环境变量 {FONT_PATH_ENV} 指向一个 TrueType 轮廓的 .ttf/.ttc 中文字体，"
            "或安装 fonts-wqy-microhei / fonts-arphic-uming。"
        )
    raise CertificateFontError(
        f"现有字体都缺少以下字符，无法生成证书：{missing_characters(first_usable, required_text)}。"
        f"请设置环境变量 {FONT_PATH_ENV} 指向一个包含这些字符的 TrueType 中文字体。"
    )


def registered_font_name(path: str | os.PathLike) -> str:
    """Register the font with reportlab (idempotent) and return its name."""
    font = _open(str(Path(path).resolve()))
    pdfmetrics.registerFont(font)
    return font.fontName


def missing_characters(font: TTFont, text: str) -> str:
    """Characters of ``text`` the font has no glyph for, in order, without repeats."""
    has_glyph = font.face.charToGlyph
    # Whitespace is skipped: printed text is cleaned to plain spaces first.
    needed = dict.fromkeys(char for char in text if not char.isspace())
    return "".join(char for char in needed if ord(char) not in has_glyph)


@functools.lru_cache(maxsize=None)
def _open(resolved_path: str) -> TTFont:
    # Parsed once per process: certificates are rendered on demand.  Named
    # after the file so that two fonts never collide in reportlab's
    # process-wide registry.
    name = "CertCJK-" + hashlib.sha1(resolved_path.encode(),
                                     usedforsecurity=False).hexdigest()[:12]
    return TTFont(name, resolved_path)


def _load_or_explain(path: Path) -> TTFont:
    if not path.is_file():
        raise CertificateFontError(f"证书字体文件不存在：{path}（来自参数或环境变量 {FONT_PATH_ENV}）")
    try:
        return _open(str(path.resolve()))
    except TTFError as error:
        raise CertificateFontError(
            f"证书字体 {path} 无法嵌入 PDF：{error}。"
            "reportlab 只支持 TrueType 轮廓字体；思源/Noto CJK 等 CFF 字体（.otf 及其 .ttc）不可用。"
        ) from error


def _load_quietly(path: Path) -> TTFont | None:
    if not path.is_file():
        return None
    try:
        return _open(str(path.resolve()))
    except (TTFError, OSError, ValueError):
        return None
