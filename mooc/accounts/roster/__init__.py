"""Roster import: a spreadsheet of members becomes user accounts, all or nothing.

Two steps, so an admin sees exactly what will happen before anything is written:

* ``parse_roster(filename, data)`` (roster.preview, reading the file with
  roster.reading) checks every row and returns a ``RosterPreview``. It never
  raises on bad input.
* ``commit_roster(preview, actor)`` (roster.apply) applies an error-free preview.

Between the two, the web flow keeps the uploaded bytes (roster.uploads) and parses
them again on confirm. ``template_workbook`` (roster.template) is the file people
fill in. Messages are plain Chinese, like the account services they sit next to.
"""
from mooc.accounts.roster.apply import ImportSummary, RosterError, commit_roster
from mooc.accounts.roster.preview import RosterPreview, RosterRow, RowError, parse_roster
from mooc.accounts.roster.reading import COLUMNS, MAX_ROWS
from mooc.accounts.roster.template import template_workbook
from mooc.accounts.roster.uploads import discard_upload, load_upload, save_upload

__all__ = ["COLUMNS", "MAX_ROWS", "ImportSummary", "RosterError", "RosterPreview", "RosterRow",
           "RowError", "commit_roster", "discard_upload", "load_upload", "parse_roster",
           "save_upload", "template_workbook"]
