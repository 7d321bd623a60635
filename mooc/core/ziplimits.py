"""Limits checked on every zip-based upload (.docx, .xlsx) *before* anything parses it.

A 432 KB .docx can inflate to a 136 MB document.xml and an .xlsx to millions of shared
strings; python-docx and openpyxl parse such parts whole, holding a web worker for
minutes (issue 15). Reading only the zip's central directory takes milliseconds, so
these checks refuse a bomb in well under a second:

* the number of entries,
* the uncompressed size of every entry and of all of them together (as declared;
  `zipfile` also stops reading an entry that inflates past its declared size),
* the compression ratio of every entry above RATIO_FLOOR bytes: deflate tops out near
  1000:1 for runs of one byte, real Office XML stays well under 100:1.

Defaults are generous for real documents (a 300-page .docx has a ~10 MB document.xml).
"""
import io
import zipfile
from dataclasses import dataclass

MAX_ENTRIES = 5_000
MAX_ENTRY_BYTES = 25 * 1024 * 1024
MAX_TOTAL_BYTES = 100 * 1024 * 1024
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024

NOT_A_ZIP, TOO_MANY_ENTRIES, TOO_LARGE, RATIO = "not_a_zip", "entries", "too_large", "ratio"


class ZipLimitError(ValueError):
    """The archive breaks a limit (`reason`), or is no zip at all."""

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Limits:
    max_entries: int = MAX_ENTRIES
    max_entry_bytes: int = MAX_ENTRY_BYTES
    max_total_bytes: int = MAX_TOTAL_BYTES
    max_ratio: int = MAX_RATIO
    ratio_floor: int = RATIO_FLOOR


DEFAULT = Limits()


def _mb(n):
    return f"{n / (1024 * 1024):.0f} MB"


def check_zip(source, limits=DEFAULT):
    """The archive's entries if `source` (bytes or a path) is within `limits`; raises
    ZipLimitError with a Chinese message otherwise. Reads the central directory only."""
    try:
        opened = io.BytesIO(source) if isinstance(source, (bytes, bytearray, memoryview)) \
            else source
        with zipfile.ZipFile(opened) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError,
            EOFError, NotImplementedError) as exc:
        raise ZipLimitError(NOT_A_ZIP, "文件不是有效的压缩文档（zip）。") from exc
    if len(entries) > limits.max_entries:
        raise ZipLimitError(TOO_MANY_ENTRIES,
                            f"文件内部条目过多（超过 {limits.max_entries} 个），已拒绝。")
    total = 0
    for info in entries:
        if info.file_size > limits.max_entry_bytes:
            raise ZipLimitError(TOO_LARGE, f"文件解压后过大（单个部分超过 "
                                           f"{_mb(limits.max_entry_bytes)}），已拒绝。")
        if info.file_size > limits.ratio_floor \
                and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise ZipLimitError(RATIO, "文件压缩比异常（疑似“压缩炸弹”），已拒绝。")
        total += info.file_size
    if total > limits.max_total_bytes:
        raise ZipLimitError(TOO_LARGE, f"文件解压后过大（超过 {_mb(limits.max_total_bytes)}），"
                                       "已拒绝。")
    return entries
