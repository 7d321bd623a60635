"""The search outbox: content changes leave a row here in their own transaction.

Whoosh allows one writer at a time, so web requests never write the index; the
single indexer (a background task) drains this table in batches.
"""
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from mooc.core.models import utcnow
from mooc.extensions import db


class SearchOutbox(db.Model):
    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "course:12", "lesson:34", …: a provider turns it into documents (or deletions).
    doc_key: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
