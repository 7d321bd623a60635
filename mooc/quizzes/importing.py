"""Importing question files into a course bank, and exporting the bank.

Two steps on the web, so an instructor sees exactly what will happen:

* ``parse_upload(filename, data)`` reads GIFT, .xlsx or .csv (judged by content
  first: people rename files) into an ImportResult listing every question and
  every issue with its line/row, column and Chinese reason. It never raises.
* ``commit_import(course, result, actor, accept_unsupported)`` writes the
  questions all or nothing, matched by fingerprint, so a re-import never
  duplicates. Question types we do not support are skipped only when the
  instructor accepted that.

Between the two, the upload is kept under the instance folder with a random
token as its name (never the client's filename) and parsed again on confirm, so
what is committed is what was previewed. The CLI uses the same functions.
"""
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from mooc.core.services import audit
from mooc.core.staged_uploads import StagedUploads
from mooc.quizzes import bank
from mooc.quizzes.formats.common import ImportResult, decode_text
from mooc.quizzes.formats.gift import parse_gift, write_gift
from mooc.quizzes.formats.sheet import parse_csv, parse_xlsx, template_xlsx, write_csv, write_xlsx

UPLOAD_DIR = "quiz_uploads"
GIFT, XLSX, CSV = "gift", "xlsx", "csv"
FORMAT_LABELS = {GIFT: "GIFT", XLSX: "Excel（.xlsx）", CSV: "CSV"}
EXPORTS = {
    GIFT: ("text/plain; charset=utf-8", "gift"),
    XLSX: ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    CSV: ("text/csv; charset=utf-8", "csv"),
}
EXTENSIONS = {".gift": GIFT, ".txt": GIFT, ".xlsx": XLSX, ".xlsm": XLSX, ".csv": CSV}
NEW, UPDATE, SAME = "new", "update", "same"


class ImportRefused(ValueError):
    """The import cannot be committed; the message is for the user, in Chinese."""


def format_for_name(filename):
    return EXTENSIONS.get(Path(filename or "").suffix.lower())


def detect_format(filename, data):
    """gift | xlsx | csv: spreadsheets by their bytes, text files by name, then by look."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        return XLSX  # the xlsx reader explains .xls and broken files itself
    by_name = format_for_name(filename)
    if by_name in (GIFT, CSV):
        return by_name
    text = decode_text(data[:20000]) or ""
    if "{" in text and "}" in text:
        return GIFT
    return CSV


def parse_upload(filename, data, max_bytes=None):
    """(format, ImportResult) for an uploaded file; problems are issues, never exceptions."""
    max_bytes = max_bytes or current_app.config["MAX_IMPORT_BYTES"]
    if not data:
        result = ImportResult()
        result.error(0, "文件是空的，请重新选择")
        return None, result
    if len(data) > max_bytes:
        result = ImportResult()
        result.error(0, f"文件太大：最大允许 {max_bytes // (1024 * 1024) or 1} MB")
        return None, result
    fmt = detect_format(filename, data)
    parser = {GIFT: parse_gift, XLSX: parse_xlsx, CSV: parse_csv}[fmt]
    try:
        result = parser(data)
    except Exception:  # the parsers promise not to raise; a bug must still not be a 500
        current_app.logger.exception("question import parser failed")
        result = ImportResult()
        result.error(0, "无法读取文件内容，请检查文件格式")
    if not result.questions and not result.issues:
        result.error(0, "文件中没有找到题目")
    return fmt, result


@dataclass
class PreviewRow:
    data: object  # QuestionData
    action: str   # new | update | same

    @property
    def where(self):
        return self.data.source_line or self.data.source_row


def preview_rows(course, result):
    """Each parsed question with what committing would do to the bank."""
    existing = {q.fingerprint: q for q in bank.all_questions(course)}
    rows, seen = [], set()
    for data in result.questions:
        fingerprint = data.fingerprint()
        match = existing.get(fingerprint)
        if match is None:
            action = UPDATE if fingerprint in seen else NEW
        else:
            action = SAME if bank.to_data(match) == data and match.archived_at is None \
                else UPDATE
        seen.add(fingerprint)
        rows.append(PreviewRow(data, action))
    return rows


def commit_import(course, result, actor, *, accept_unsupported=False, source=""):
    """Write the previewed questions (all or nothing). Raises ImportRefused."""
    if result.errors:
        raise ImportRefused(f"文件中有 {len(result.errors)} 处错误，没有导入任何题目。"
                            "请改正后重新上传。")
    if result.unsupported and not accept_unsupported:
        raise ImportRefused(f"文件中有 {len(result.unsupported)} 道不支持的题型，"
                            "请确认跳过这些题目后再导入。")
    if not result.questions:
        raise ImportRefused("文件中没有可导入的题目。")
    try:
        summary = bank.upsert_questions(course, result.questions, actor)
    except bank.BankError as exc:
        raise ImportRefused(str(exc))
    audit("quiz.import", course, f"导入题目到 {course.title}：{summary}", actor=actor,
          source=source[:200], created=summary.created, updated=summary.updated,
          unchanged=summary.unchanged, skipped=len(result.unsupported))
    return summary


# --------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------

def export_bank(course, fmt, *, include_archived=False):
    """(bytes, mimetype, download filename) of the course bank in `fmt`."""
    if fmt not in EXPORTS:
        raise ImportRefused("导出格式只能是 GIFT、xlsx 或 csv。")
    questions = bank.all_questions(course) if include_archived else bank.active_questions(course)
    data = [bank.to_data(q) for q in questions]
    if fmt == GIFT:
        payload = write_gift(data).encode("utf-8")
    elif fmt == XLSX:
        payload = write_xlsx(data)
    else:
        payload = write_csv(data)
    mimetype, ext = EXPORTS[fmt]
    return payload, mimetype, f"{course.slug}-questions.{ext}"


def template():
    return template_xlsx()


# --------------------------------------------------------------------------
# Uploads kept between preview and confirm
# --------------------------------------------------------------------------

_STAGED = StagedUploads(UPLOAD_DIR)


def save_upload(filename, data, owner_id, course_id):
    """Keep the bytes for the confirm step; returns the token the confirm form carries."""
    return _STAGED.save(filename, data, owner_id=owner_id, course_id=course_id)


def load_upload(token, owner_id, course_id):
    """(filename, data) of an upload this user made for this course, or None."""
    return _STAGED.load(token, owner_id=owner_id, course_id=course_id)


def discard_upload(token):
    _STAGED.discard(token)
