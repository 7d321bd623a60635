"""Rebuild the certificate font shipped next to this file.

Developer tool only: the application never imports it, and it needs things
the app does not (fontTools, Debian's fonts-noto-cjk and unicode-data).

Why this exists: reportlab can only embed TrueType (glyf) outlines, while the
good free CJK fonts (Noto/Source Han) ship as CFF OpenType.  So we take
Noto Serif CJK SC, keep only the characters a certificate plausibly needs,
convert the cubic CFF outlines to quadratic TrueType ones, and rename the
family because the OFL forbids modified fonts from using the original name
("Noto" is also a Google trademark).

Character set (about 9,000 glyphs, ~3.5 MB):
  * GB 2312 — everything a mainland system has traditionally been able to type;
  * the 8,105 characters of 通用规范汉字表 (2013), which is what household
    registration uses for personal names, read from Unihan's kTGH field;
  * ASCII, Latin-1 and pinyin tone letters for foreign and romanised names,
    plus the punctuation a certificate uses (·《》“”——, fullwidth forms).

Usage (from the repository root):
    apt-get install fonts-noto-cjk unicode-data
    .venv/bin/pip install fonttools
    .venv/bin/python mooc/certificates/fonts/build_font.py
"""

from __future__ import annotations

import bz2
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

SOURCE_COLLECTION = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
SOURCE_FACE_NAME = "Noto Serif CJK SC"
UNIHAN_FILES = sorted(Path("/usr/share/unicode").glob("Unihan_*.txt.bz2"))

OUTPUT = Path(__file__).with_name("djmk-cert-serif-sc.ttf")
FAMILY = "DJMK Cert Serif SC"
POSTSCRIPT_NAME = "DJMKCertSerifSC-Regular"

# Maximum distance, in font units (1000/em), between the original cubic curve
# and its quadratic approximation: invisible at any print size.
CURVE_TOLERANCE = 1.0

EXTRA_RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1: é, ü, ·, ×
    (0x0100, 0x017F),  # Latin Extended-A: ā ē ī ō ū
    (0x01CD, 0x01DC),  # ǎ ǐ ǒ ǔ ǖ ǘ ǚ ǜ
    (0x2010, 0x2027),  # dashes, quotes, ellipsis, bullets
    (0x2160, 0x216B),  # Roman numerals Ⅰ–Ⅻ (course part numbers)
    (0x2460, 0x2473),  # circled numbers ①–⑳
    (0x3000, 0x303F),  # CJK punctuation 、。《》「」【】〇
    (0x30FB, 0x30FB),  # katakana middle dot, often typed instead of ·
    (0xFF01, 0xFF5E),  # fullwidth ASCII
]


def gb2312_characters() -> set[str]:
    found = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                found.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return found


def general_standard_characters() -> set[str]:
    """The 8,105 characters of 通用规范汉字表, per Unihan kTGH."""
    found = set()
    for path in UNIHAN_FILES:
        with bz2.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                fields = line.split("\t")
                if len(fields) >= 2 and fields[1] == "kTGH":
                    found.add(chr(int(fields[0][2:], 16)))
    if len(found) != 8105:
        sys.exit(f"expected 8105 kTGH characters, found {len(found)}")
    return found


def wanted_codepoints() -> set[int]:
    codepoints = {ord(c) for c in gb2312_characters() | general_standard_characters()}
    for first, last in EXTRA_RANGES:
        codepoints.update(range(first, last + 1))
    return codepoints


def open_simplified_chinese_face() -> TTFont:
    for index in range(5):
        # Keeping the source timestamps makes rebuilds byte-identical.
        font = TTFont(SOURCE_COLLECTION, fontNumber=index, recalcTimestamp=False)
        if font["name"].getDebugName(1) == SOURCE_FACE_NAME:
            return font
    sys.exit(f"{SOURCE_FACE_NAME} not found in {SOURCE_COLLECTION}")


def keep_only(font: TTFont, codepoints: set[int]) -> None:
    options = subset.Options()
    # reportlab does no shaping, so layout and vertical-writing tables are dead weight.
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx"]
    options.hinting = False
    options.desubroutinize = True
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)


def convert_cff_to_truetype(font: TTFont) -> None:
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = {}
    for name in glyph_order:
        pen = TTGlyphPen(None)
        # CFF contours run anticlockwise, TrueType ones clockwise.
        glyph_set[name].draw(Cu2QuPen(pen, CURVE_TOLERANCE, reverse_direction=True))
        glyf[name] = pen.glyph()
    del font["CFF "]
    font["glyf"] = glyf
    font["loca"] = newTable("loca")

    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in (
        "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
        "maxStackElements", "maxSizeOfInstructions", "maxComponentElements",
    ):
        setattr(maxp, field, 0)
    maxp.maxZones = 1

    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = glyph_order
    font.sfntVersion = "\x00\x01\x00\x00"


def rename(font: TTFont) -> None:
    names = font["name"]
    source_version = names.getDebugName(5)
    # Only Windows-platform records are kept: every current consumer reads
    # them, and Macintosh records cannot hold CJK text in their legacy encoding.
    names.names = [
        record for record in names.names
        if record.platformID == 3 and record.nameID not in (1, 2, 3, 4, 5, 6, 7, 10, 16, 17)
    ]
    for name_id, text in {
        1: FAMILY,
        2: "Regular",
        3: f"{POSTSCRIPT_NAME};{source_version}",
        4: f"{FAMILY} Regular",
        5: f"{source_version}; subset and TrueType conversion for DJMK MOOC",
        6: POSTSCRIPT_NAME,
        10: "Modified from Noto Serif CJK SC: character subset, outlines converted to TrueType.",
    }.items():
        names.setName(text, name_id, 3, 1, 0x409)


def main() -> None:
    font = open_simplified_chinese_face()
    keep_only(font, wanted_codepoints())
    convert_cff_to_truetype(font)
    rename(font)
    font.save(OUTPUT)
    glyphs = len(font.getGlyphOrder())
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size:,} bytes, {glyphs} glyphs)")


if __name__ == "__main__":
    main()
