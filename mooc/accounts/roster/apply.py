"""Applying a checked roster: create or update every row, all or nothing."""
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from mooc.accounts import services
from mooc.accounts.models import LEARNER
from mooc.accounts.roster.preview import CREATE, UNCHANGED, existing_users, plan
from mooc.core.services import audit
from mooc.extensions import db
from mooc.org.models import Organisation


class RosterError(ValueError):
    """The roster cannot be committed; the message is for the user, in Chinese."""



@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def commit_roster(preview, actor=None, default_password=None):
    """Create or update every row of an error-free preview, in the caller's transaction.

    Raises RosterError (and writes nothing the caller then commits) if the preview
    has errors or a row turns out invalid; the caller rolls back.
    """
    if not preview.ok:
        raise RosterError("名册中有错误，没有导入任何数据。请改正后重新上传。")
    summary = ImportSummary()
    password_hash = None
    if any(row.action == CREATE for row in preview.rows):
        default_password = default_password or current_app.config["ROSTER_DEFAULT_PASSWORD"]
        try:
            services.check_password_strength(default_password)
        except services.AccountError as exc:
            raise RosterError(f"初始密码不符合要求：{exc}") from exc
        # The KDF is deliberately slow: hash once and share it across new accounts.
        password_hash = services.hash_password(default_password)

    # Strong references: the session's identity map is weak, and re-loading a unit
    # or user per row made a 5000-row import take minutes.
    orgs = {org.id: org for org in db.session.scalars(select(Organisation).where(
        Organisation.id.in_({row.org_id for row in preview.rows if row.org_id})))}
    users = existing_users(row.username for row in preview.rows)
    # Rows were checked for duplicates and create_user flushes each new account, so
    # flushing before every lookup would only repeat work on a growing session.
    with db.session.no_autoflush:
        for row in preview.rows:
            _commit_row(row, users.get(row.username.lower()), orgs.get(row.org_id),
                        password_hash, summary)
    audit("user.import", None,
          f"导入名册 {preview.filename}：新建 {summary.created} 人，更新 {summary.updated} 人，"
          f"无变化 {summary.unchanged} 人", actor=actor, filename=preview.filename,
          created=summary.created, updated=summary.updated, unchanged=summary.unchanged)
    return summary


def _commit_row(row, user, org, password_hash, summary):
    try:
        if user is None:
            services.create_user(row.username, row.name, None, role=row.role or LEARNER,
                                 category=row.category, org=org, phone=row.phone,
                                 must_change_password=True, password_hash=password_hash)
            summary.created += 1
            return
        values = {"name": row.name, "category": row.category, "org_id": row.org_id,
                  "phone": row.phone, "role": row.role}
        if plan(values, user)[0] == UNCHANGED:
            summary.unchanged += 1
            return
        services.update_user(user, name=row.name, role=row.role or user.role,
                             category=row.category, org=org,
                             phone=row.phone if row.phone is not None else user.phone)
        summary.updated += 1
    except services.AccountError as exc:
        raise RosterError(f"第 {row.row} 行：{exc}") from exc


