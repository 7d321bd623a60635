"""Reading and writing spreadsheets people upload or download (.xlsx and .csv).

One reader for every import (member rosters, question sheets) and one formula
shield for every export, so they cannot drift apart:

* ``open_workbook`` checks the archive *before* openpyxl parses it: a small
  .xlsx can inflate to gigabytes and openpyxl loads shared strings whole. The
  total uncompressed size, the number of entries and the compression ratio of
  each large entry are limited.
* ``decode_text`` / ``sniff_delimiter`` / ``csv_records`` read CSV text the way
  Chinese users save it (UTF-8 with or without BOM, UTF-16, GBK).
* ``escape_formula`` prefixes an apostrophe to text a spreadsheet would run as a
  formula (= + - @, and tab / carriage return, which Excel skips before one);
  ``unescape_formula`` takes it off again when such a file is read back.

Problems are raised as ``TabularError`` with a ``reason`` code; each importer
turns the code into its own Chinese message.
"""
import codecs
import csv
import io
import unicodedata
import warnings

from openpyxl import load_workbook

from mooc.core import ziplimits

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old .xls format, or an .xlsx protected with a password

# The archive limits (entries, per-entry and total size, ratio) are core.ziplimits'.
MAX_UNZIPPED_BYTES = ziplimits.MAX_TOTAL_BYTES
MAX_ENTRIES = 10_000

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Reason codes carried by TabularError.
NOT_A_ZIP, TOO_LARGE, UNREADABLE, BROKEN, BAD_CSV = (
    "not_a_zip", "too_large", "unreadable", "broken", "bad_csv")


class TabularError(ValueError):
    """The file cannot be read; `reason` is one of the codes above."""

    def __init__(self, reason, detail=""):
        super().__init__(detail or reason)
        self.reason = reason
        self.detail = detail


def is_xlsx(data):
    return data.startswith(ZIP_MAGIC)


def is_old_excel(data):
    return data.startswith(OLE_MAGIC)


def check_archive(data, max_unzipped_bytes=MAX_UNZIPPED_BYTES):
    """Refuse a zip that would inflate too far, before anything parses it."""
    limits = ziplimits.Limits(max_total_bytes=max_unzipped_bytes, max_entries=MAX_ENTRIES)
    try:
        ziplimits.check_zip(data, limits)
    except ziplimits.ZipLimitError as exc:
        raise TabularError(NOT_A_ZIP if exc.reason == ziplimits.NOT_A_ZIP else TOO_LARGE,
                           str(exc)) from exc


def open_workbook(data, max_unzipped_bytes=MAX_UNZIPPED_BYTES):
    """A read-only openpyxl workbook (values, not formulas) of checked .xlsx bytes."""
    check_archive(data, max_unzipped_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it ignores
            return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors on a broken file
        raise TabularError(UNREADABLE) from exc


def sheet_values(sheet, max_columns):
    """Each row's raw cell values (a tuple), at most `max_columns` of them."""
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()  # files written by other tools often declare a wrong size
    try:
        yield from sheet.iter_rows(max_col=max_columns, values_only=True)
    except Exception as exc:  # broken XML inside a valid zip, bad cell types, …
        raise TabularError(BROKEN) from exc


def decode_text(data, reject_control=False):
    """Decode an uploaded text file the way Chinese users save them, or None.

    Windows Notepad and Excel save UTF-8 with a BOM, UTF-16 ("Unicode 文本") or
    GBK; GB18030 is a superset of GBK. With `reject_control`, text holding
    control characters is taken for binary content that happened to decode.
    """
    if data.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8", "gb18030"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if reject_control and any(unicodedata.category(ch) == "Cc" and ch not in "\t\r\n"
                                  for ch in text):
            return None
        return text
    return None


def sniff_delimiter(text):
    """Comma, tab or semicolon: whichever the first non-blank line uses most."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    return max([",", "\t", ";"], key=first_line.count) if first_line else ","


def csv_records(text, delimiter=None):
    """The rows of CSV text as lists of strings (raises TabularError on broken quoting)."""
    reader = csv.reader(io.StringIO(text, newline=""),
                        delimiter=delimiter or sniff_delimiter(text))
    try:
        yield from reader
    except csv.Error as exc:
        raise TabularError(BAD_CSV, str(exc)) from exc


def _looks_escaped(text):
    return text[:1] == "'" and text[1:2] != "" and (text[1] in FORMULA_START or text[1] == "'")


def escape_formula(value):
    """`value`, with an apostrophe in front if a spreadsheet would run it as a formula.

    Text that already looks escaped ("'=…") gains a second apostrophe, so reading it
    back with `unescape_formula` gives the original. Non-text values pass through.
    """
    if isinstance(value, str) and value and (value.startswith(FORMULA_START)
                                             or _looks_escaped(value)):
        return "'" + value
    return value


def unescape_formula(text):
    return text[1:] if _looks_escaped(text) else text
