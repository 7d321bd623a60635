"""Used reading tokens: each "我已学完" token counts once, and reading time is earned by
one lesson at a time (issue 15).

A row per accepted token: its nonce (so a re-posted token is refused), the user and
the server time it was used. The user's latest `used_at` is the end of the reading
time already credited: the next completion is timed from it, so five lessons opened
at once cannot all earn the same minutes. Rows older than a token's lifetime are
pruned (no token that old is accepted anyway).
"""
from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from mooc.extensions import db


class ReadingTokenUse(db.Model):
    __tablename__ = "reading_token_use"

    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"))
    used_at: Mapped[float] = mapped_column(Float, index=True)   # reading.clock() seconds
