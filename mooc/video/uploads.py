"""Resumable video uploads: begin → chunks → finish.

The upload id is a signed ticket (user, lesson, declared size, display name, a
random id, issue time), so no row exists until a file has passed the checks: the
bytes grow in storage's partial file (MEDIA_ROOT/tmp), and the server's size of
that file *is* the resume offset. A client that lost its connection asks for the
offset and continues from there; a ticket for another user or lesson, a tampered
one or an expired one is refused.

`finish` runs the cheap checks at once (empty, not a video, audio only, damaged
index, too short, too large) and hands the full decode pass to the processing job:
decoding a long lecture takes minutes, longer than a web request may. Whatever is
refused is deleted on the spot.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from mooc.core import storage
from mooc.video import clock, services
from mooc.video.processing import ffmpeg_tools
from mooc.video.processing.media_probe import VideoRejected
from mooc.video.services import VideoError

SALT = "video-upload"
BAD_TICKET = "上传标识无效或已过期，请重新选择文件上传。"


@dataclass(frozen=True)
class Ticket:
    upload_id: str
    user_id: int
    lesson_id: int
    size: int
    filename: str
    issued_at: float


def max_upload_bytes():
    return int(current_app.config.get("MAX_UPLOAD_BYTES") or 2 * 1024 ** 3)


def chunk_bytes():
    # A chunk is one request body (its route accepts VIDEO_UPLOAD_CHUNK_BYTES + slack).
    configured = int(current_app.config.get("VIDEO_UPLOAD_CHUNK_BYTES", 8 * 1024 ** 2))
    return max(1024, min(configured, max_upload_bytes() - 1024))


def size_label(size):
    gib = 1024 ** 3
    if size >= gib:
        return f"{size // gib} GB" if size % gib == 0 else f"{size / gib:.1f} GB"
    return storage.human_size(size)


def too_large_error():
    return VideoError(f"视频文件太大：最大允许 {size_label(max_upload_bytes())}。",
                      "too_large", 413, max_bytes=max_upload_bytes())


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def begin(user, lesson, *, size, filename=""):
    """A new upload of `size` bytes; returns (token, Ticket)."""
    services.require_video_lesson(lesson)
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise VideoError("请提供文件大小。", "bad_request")
    if size <= 0:
        raise VideoError(ffmpeg_tools.REJECTION_MESSAGES[ffmpeg_tools.EMPTY], ffmpeg_tools.EMPTY)
    if size > max_upload_bytes():
        raise too_large_error()
    name = str(filename or "")[:200]
    ticket = Ticket(secrets.token_hex(16), user.id, lesson.id, size, name, round(clock.now(), 3))
    token = _serializer().dumps([ticket.upload_id, ticket.user_id, ticket.lesson_id,
                                 ticket.size, ticket.filename, ticket.issued_at])
    return token, ticket


def read_ticket(token, user, lesson):
    try:
        upload_id, user_id, lesson_id, size, filename, issued_at = \
            _serializer().loads(token or "")
    except (BadSignature, ValueError, TypeError):
        raise VideoError(BAD_TICKET, "bad_upload")
    ttl = int(current_app.config.get("VIDEO_UPLOAD_TTL", 24 * 3600))
    if user_id != user.id or lesson_id != lesson.id or clock.now() - issued_at > ttl:
        raise VideoError(BAD_TICKET, "bad_upload")
    return Ticket(upload_id, user_id, lesson_id, size, filename, issued_at)


def offset(ticket):
    return storage.partial_size(ticket.upload_id)


def receive_chunk(ticket, stream, *, at, length=None):
    """Append one chunk sent for position `at`; returns the new offset.

    A chunk for the wrong position is refused with the server's offset (409), so a
    client that sent something twice or lost a reply just continues from there.
    """
    current = offset(ticket)
    if isinstance(at, bool) or not isinstance(at, int) or at < 0:
        raise VideoError("上传位置无效。", "bad_request", offset=current)
    if at != current:
        raise VideoError("上传位置不一致，请从服务器记录的位置继续。", "offset_mismatch", 409,
                         offset=current)
    if length is not None and at + length > ticket.size:
        raise VideoError("上传的数据超过了声明的文件大小。", "too_much_data", offset=current)
    try:
        return storage.append_partial(ticket.upload_id, stream, offset=at, limit=ticket.size)
    except storage.PartialBusy as exc:
        raise VideoError(str(exc), "busy", 409, offset=offset(ticket))
    except storage.StorageError as exc:   # e.g. more bytes than declared (chunked encoding)
        raise VideoError(str(exc), "upload_error", 409, offset=offset(ticket))


def quick_check(path):
    """validate_video's cheap part (no decode pass): container, streams, size, length."""
    info = ffmpeg_tools.probe(path)
    if not info.has_video:
        raise VideoRejected.because(ffmpeg_tools.AUDIO_ONLY if info.has_audio
                                    else ffmpeg_tools.NOT_MEDIA)
    if not info.width or not info.height:
        raise VideoRejected.because(ffmpeg_tools.CORRUPT)
    if max(info.width, info.height) > ffmpeg_tools.MAX_DIMENSION:
        raise VideoRejected.because(ffmpeg_tools.TOO_LARGE)
    if info.duration and info.duration < ffmpeg_tools.MIN_DURATION_SECONDS:
        raise VideoRejected.because(ffmpeg_tools.TOO_SHORT)
    return info


def finish(ticket, lesson, actor):
    """Check the complete file and queue it: (asset, created, job | None).

    Raises VideoRejected (its Chinese message) or VideoError; the partial file is
    gone afterwards either way. Commits when a job is started.
    """
    services.require_video_lesson(lesson)
    current = offset(ticket)
    if current != ticket.size:
        raise VideoError("文件尚未上传完整，请继续上传。", "incomplete", 409, offset=current)
    path = storage.partial_path(ticket.upload_id)
    try:
        quick_check(path)
        asset, created = services.add_video_file(lesson, path, actor=actor,
                                                 filename=ticket.filename, move=True)
    finally:
        storage.discard_partial(ticket.upload_id)   # moved into place, or refused
    job = None
    if created or asset.status == services.FAILED:
        job = services.start_processing(asset, actor)
    return asset, created, job


def store_whole(user, lesson, fileobj, filename=""):
    """The no-JavaScript form: one request carries the whole file → a partial, then finish."""
    services.require_video_lesson(lesson)
    upload_id = secrets.token_hex(16)
    stream = getattr(fileobj, "stream", fileobj)
    try:
        size = storage.append_partial(upload_id, stream, offset=0, limit=max_upload_bytes())
    except storage.StorageError:
        storage.discard_partial(upload_id)
        raise too_large_error()
    except BaseException:
        storage.discard_partial(upload_id)
        raise
    if size == 0:
        storage.discard_partial(upload_id)
        raise VideoError(ffmpeg_tools.REJECTION_MESSAGES[ffmpeg_tools.EMPTY], ffmpeg_tools.EMPTY)
    ticket = Ticket(upload_id, user.id, lesson.id, size, str(filename or "")[:200],
                    round(clock.now(), 3))
    return finish(ticket, lesson, actor=user)
