"""The player's JSON API: watch sessions, heartbeats (fetch and sendBeacon), fresh URLs.

Documented in docs/api.md. Every answer is JSON, errors as
{"error": Chinese message, "code": HTTP status, "reason": machine code}. CSRF is
enforced for every POST by the app-wide CSRFProtect: fetch() sends X-CSRFToken;
sendBeacon cannot set headers, so the beacon endpoint takes a form body whose
csrf_token field CSRFProtect reads.
"""
import functools

from flask import Blueprint, jsonify, request, url_for
from flask_login import current_user

from mooc.catalog.models import Lesson
from mooc.catalog.permissions import can_view_lesson
from mooc.core import database
from mooc.core.lightweight import lightweight_user, signed_in_user
from mooc.core.jsonbody import bytes_or_none, json_or_none
from mooc.extensions import db
from mooc.video import beats, media, services, watch
from mooc.video.services import VideoError
from mooc.video.watch import WatchError

bp = Blueprint("video_api", __name__, url_prefix="/api/video")
MAX_BEAT_BYTES = 64 * 1024


def _error(message, status, reason):
    return jsonify({"error": message, "code": status, "reason": reason}), status


def api_login_required(view):
    """401 JSON instead of a redirect to the login page."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return _error("请先登录。", 401, "login")
        return view(*args, **kwargs)
    return wrapped


def _visible_lesson(lesson_id):
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or not can_view_lesson(current_user, lesson):
        return None
    return lesson


@bp.route("/lessons/<int:lesson_id>/sessions", methods=["POST"])
@api_login_required
def open_session(lesson_id):
    lesson = _visible_lesson(lesson_id)
    if lesson is None:
        return _error("课时不存在。", 404, "not_found")
    try:
        data = watch.open_watch(current_user, lesson)
    except (WatchError, VideoError) as exc:
        db.session.rollback()
        return _error(exc.message, exc.status, exc.code)
    asset = services.playable_asset(lesson)
    db.session.commit()
    data["sources"] = media.player_sources(current_user, asset)
    if data["recording"]:
        data["beat_url"] = url_for(".heartbeat", session_id=data["session_id"])
        data["beacon_url"] = url_for(".beacon", session_id=data["session_id"])
    return jsonify(data)


def beat_answer(user, session_id, payload):
    """(JSON body, status) for one beat; the Flask views and the fast path share it.
    beats.heartbeat commits what it credits; any other answer wrote nothing."""
    try:
        outcome, extra = beats.heartbeat(user, session_id, payload)
    except (WatchError, VideoError) as exc:
        database.end_reads(db.session())
        return {"error": exc.message, "code": exc.status, "reason": exc.code}, exc.status
    status = outcome.http_status
    body = {**outcome.to_json(), **extra}
    if status != 200:
        body.update(error=outcome.message_zh, code=status, reason=outcome.status)
    return body, status


def _apply(session_id, payload):
    body, status = beat_answer(signed_in_user(), session_id, payload)
    return jsonify(body), status


def fast_heartbeat(user, body, session_id):
    """`heartbeat` on the fast path (core.fastpath): same answer, without Flask."""
    return beat_answer(user, session_id, bytes_or_none(body))


@bp.route("/sessions/<session_id>/beats", methods=["POST"])
@database.reads_first   # user loading and checks take no write lock
@lightweight_user
@api_login_required
def heartbeat(session_id):
    """A regular beat: JSON body, X-CSRFToken header."""
    # An unreadable (or too deeply nested) body becomes None, which the service refuses
    # with 400 (after it has answered 404 for a session that is not this user's).
    payload = json_or_none() if (request.content_length or 0) <= MAX_BEAT_BYTES else None
    return _apply(session_id, payload)


@bp.route("/sessions/<session_id>/beacon", methods=["POST"])
@database.reads_first
@lightweight_user
@api_login_required
def beacon(session_id):
    """The last beat, from navigator.sendBeacon: form fields csrf_token and beat (JSON)."""
    payload = json_or_none(request.form.get("beat", "")[:MAX_BEAT_BYTES])
    return _apply(session_id, payload)


@bp.route("/lessons/<int:lesson_id>/sources")
@api_login_required
def sources(lesson_id):
    """Freshly signed URLs, for a viewing that outlived MEDIA_URL_TTL."""
    lesson = _visible_lesson(lesson_id)
    if lesson is None:
        return _error("课时不存在。", 404, "not_found")
    if not services.is_video_lesson(lesson):
        return _error("该课时不是视频课时。", 409, "not_video")
    asset = services.playable_asset(lesson)
    if asset is None:
        return _error("视频尚未就绪，请稍后再来。", 409, "not_ready")
    return jsonify(media.player_sources(current_user, asset))
