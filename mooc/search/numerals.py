"""Arabic ↔ Chinese numerals in ordinals: 第53条 ↔ 第五十三条, 第3章 ↔ 第三章.

Party regulations are cited both ways (《条例》第五十三条 in the text, 第53条 in a
question), so a query part containing an ordinal is searched in both spellings.
Query-side only: the index keeps the text as written.
"""
from __future__ import annotations

import re

_DIGITS = "零一二三四五六七八九"
_VALUES = {c: i for i, c in enumerate(_DIGITS)} | {"〇": 0, "两": 2}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUMBER = "[零〇一二两三四五六七八九十百千]+"
# Only before a unit (条, 章, 节…): 第一党支部 is a name, not an ordinal.
_UNIT_AFTER = "条章节款项讲课次届编卷集篇部期批"
ORDINAL_RE = re.compile(f"第(\\d{{1,4}}|{_CN_NUMBER})(?=[{_UNIT_AFTER}])")


def to_chinese(n: int) -> str:
    """53 → 五十三, 10 → 十, 105 → 一百零五 (0 < n < 10000)."""
    if n == 0:
        return "零"
    out, zero = [], False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, value)
        if digit:
            if zero:
                out.append("零")
                zero = False
            out.append(_DIGITS[digit] + unit)
        elif out:
            zero = True
        if not n:
            break
    text = "".join(out)
    return text[1:] if text.startswith("一十") else text


def to_arabic(text: str) -> int | None:
    """五十三 → 53, 十 → 10, 一百零五 → 105; None if it isn't a number."""
    total, digit = 0, None
    for char in text:
        if char in _VALUES:
            if digit is not None and len(text) > 1 and all(c in _VALUES for c in text):
                # 五三 written digit by digit
                digit = digit * 10 + _VALUES[char]
            else:
                digit = _VALUES[char]
        elif char in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[char]
            digit = None
        else:
            return None
    return total + (digit or 0)


def numeral_variants(part: str) -> list[str]:
    """``part`` and, if it holds an ordinal, the same with the other numeral style."""
    def swap(match):
        number = match.group(1)
        if number.isdigit():
            value = int(number)
            return "第" + to_chinese(value) if 0 < value < 10000 else match.group(0)
        value = to_arabic(number)
        return f"第{value}" if value else match.group(0)

    other = ORDINAL_RE.sub(swap, part)
    return [part] if other == part else [part, other]
