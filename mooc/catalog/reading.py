"""Server-checked reading time for text lessons.

The lesson page (a GET, so nothing is written) embeds a signed token: user id,
lesson id, a nonce and the server's issue time. "我已学完" posts it back; the server
accepts only its own token for this user and lesson, only once (the nonce is recorded
in `reading_token_use`), and only once the lesson's minimum reading time has passed
since it was issued *and* since the user's last credited reading: one lesson earns
reading time at a time, like the one video session that earns watch time. The page
may count down in JS, but this module decides.

`clock` is the one time source (tests monkeypatch it); the signer reads it too, so
token expiry follows the same fake clock.
"""
import math
import re
import secrets
import time

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from sqlalchemy import delete, func, select

from mooc.accounts.models import User
from mooc.catalog.reading_models import ReadingTokenUse
from mooc.catalog.rendering import plain_text
from mooc.core import sql
from mooc.extensions import db

SALT = "lesson-reading"
CHARS_PER_MINUTE = 400      # a comfortable Chinese reading pace
MIN_SECONDS, MAX_SECONDS = 30, 20 * 60
TOKEN_MAX_AGE = 24 * 3600   # a page left open overnight must be reloaded


def clock():
    return time.time()


class ReadingError(ValueError):
    """Completion refused; `remaining` seconds when it was only too early."""

    def __init__(self, message, remaining=None):
        super().__init__(message)
        self.remaining = remaining


class _ClockSigner(TimestampSigner):
    def get_timestamp(self):
        return int(clock())


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT,
                                  signer=_ClockSigner)


def estimated_seconds(markdown):
    """~400 characters a minute (spaces and markup not counted), 30 s to 20 min."""
    characters = len(re.sub(r"\s+", "", plain_text(markdown)))
    seconds = math.ceil(characters * 60 / CHARS_PER_MINUTE)
    return max(MIN_SECONDS, min(MAX_SECONDS, seconds))


def required_seconds(lesson):
    if lesson.min_reading_seconds is not None:
        return max(0, lesson.min_reading_seconds)
    return estimated_seconds(lesson.body)


def issue_token(user, lesson):
    return _serializer().dumps({"u": user.id, "l": lesson.id, "t": clock(),
                                "n": secrets.token_urlsafe(12)})


def _lock_user(user):
    """Serialise one user's completions (PostgreSQL; SQLite's POST already writes alone)."""
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())


def check_token(token, user, lesson):
    """Seconds read so far; raises ReadingError when the token is not good enough yet."""
    try:
        payload = _serializer().loads(token or "", max_age=TOKEN_MAX_AGE)
    except SignatureExpired:
        raise ReadingError("页面打开时间过长，请刷新页面后重新阅读。")
    except BadSignature:
        raise ReadingError("学习凭据无效，请刷新页面后重试。")
    if not isinstance(payload, dict) or payload.get("u") != user.id \
            or payload.get("l") != lesson.id or not isinstance(payload.get("t"), (int, float)) \
            or not isinstance(payload.get("n"), str):
        raise ReadingError("学习凭据无效，请刷新页面后重试。")
    now = clock()
    _lock_user(user)
    if db.session.get(ReadingTokenUse, payload["n"]) is not None:
        raise ReadingError("这次阅读已经记录过了，请刷新页面后重试。")
    last_credited = db.session.scalar(select(func.max(ReadingTokenUse.used_at))
                                      .where(ReadingTokenUse.user_id == user.id)) or 0
    started = max(payload["t"], last_credited)
    elapsed = now - started
    remaining = math.ceil(required_seconds(lesson) - elapsed)
    if remaining > 0:
        raise ReadingError(f"请认真阅读：本课时至少需要学习 {required_seconds(lesson)} 秒，"
                           f"还需 {remaining} 秒。", remaining=remaining)
    if not sql.insert_ignoring_conflict(
            ReadingTokenUse, {"nonce": payload["n"], "user_id": user.id, "lesson_id": lesson.id,
                              "used_at": now}, ["nonce"]):
        raise ReadingError("这次阅读已经记录过了，请刷新页面后重试。")
    db.session.execute(delete(ReadingTokenUse).where(ReadingTokenUse.used_at < now - TOKEN_MAX_AGE))
    return max(0, int(elapsed))
