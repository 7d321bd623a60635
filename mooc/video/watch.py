"""Watch sessions and heartbeats in the database; the rules are in tracking.py.

What a learner has watched (merged intervals, resume position, completed) lives in
their LessonProgress row's `data`; progress itself is `coverage` of the duration
we measured, and 1 once coverage reaches VIDEO_COMPLETION_SHARE.

Heartbeats, the hot path, are in beats.py: one read outside the write lock, then
writes guarded by the session's sequence number, so two copies of a beat arriving
together are applied once and the second is a duplicate. Opening a session (once
per viewing) locks the user's row first, so two devices opening at the same
instant cannot both stay the earning session.
"""
from __future__ import annotations

import functools

from flask import current_app
from sqlalchemy import select

from mooc.accounts.models import User
from mooc.catalog import learning
from mooc.catalog.permissions import can_enrol
from mooc.core.models import utcnow
from mooc.extensions import db
from mooc.progress import services as progress
from mooc.video import clock, services, tracking
from mooc.video.models import WatchSessionRow

CREDITED = {tracking.OK, tracking.PARTIALLY_CREDITED}


class WatchError(Exception):
    def __init__(self, message, code, status):
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


def policy_for(course) -> tracking.WatchPolicy:
    return policy(bool(course.no_skip_ahead))


def policy(no_skip_ahead) -> tracking.WatchPolicy:
    """The course's policy; built once per worker for each setting (it is frozen)."""
    config = current_app.config
    return _policy(float(config.get("VIDEO_HEARTBEAT_SECONDS", 10)),
                   float(config.get("VIDEO_COMPLETION_SHARE", 0.95)), bool(no_skip_ahead))


@functools.lru_cache(maxsize=16)
def _policy(interval, completion_share, no_skip_ahead):
    # Keyed by every input, so a changed setting is a new entry, never a stale one.
    # The flood guard scales with the interval the client is told to use.
    return tracking.WatchPolicy(
        heartbeat_interval=interval, min_beat_gap=min(3.0, interval / 2),
        completion_share=completion_share, no_skip_ahead=no_skip_ahead,
        session_idle_timeout=max(300.0, interval))


def is_recording(user, lesson):
    """Previews (drafts, unpublished lessons) play but record nothing."""
    return lesson.published and can_enrol(user, lesson.course)


def state_from_row(row) -> tracking.LessonProgress:
    data = (row.data if row is not None else None) or {}
    try:
        state = tracking.LessonProgress.from_json(data)
    except (ValueError, TypeError, KeyError):
        state = tracking.LessonProgress()    # a hand-edited row must not block watching
    if row is not None and row.is_complete and not state.completed:
        state.completed = True               # completed by other means: stays completed
    return state


def learner_state(user, lesson):
    """(tracking.LessonProgress, LessonProgress row | None) — read only, for pages."""
    row = progress.progress_for(user, [lesson.id]).get(lesson.id)
    return state_from_row(row), row


def summary(state, policy, duration):
    return {"position": state.position, "completed": state.completed,
            "coverage": round(state.coverage(duration), 4) if duration else 0.0,
            "frontier": tracking.frontier(state.intervals, policy.tolerance),
            "no_skip_ahead": policy.no_skip_ahead and not state.completed,
            "heartbeat_interval": policy.heartbeat_interval, "max_rate": policy.max_rate}


def _ready_asset(lesson):
    services.require_video_lesson(lesson)
    asset = services.playable_asset(lesson)
    if asset is None or not asset.duration:
        raise WatchError("视频尚未就绪，请稍后再来。", "not_ready", 409)
    return asset


def open_watch(user, lesson, now=None):
    """Start this device's session; every other session of the user stops earning.

    Returns the JSON the player needs. Previews get `recording: false` and no session.
    """
    asset = _ready_asset(lesson)
    policy = policy_for(lesson.course)
    state, _row = learner_state(user, lesson)
    result = {"recording": False, "duration": asset.duration, "asset_id": asset.id,
              **summary(state, policy, asset.duration)}
    if not is_recording(user, lesson):
        result["message"] = "预览模式下不记录学习进度。"
        return result
    now = clock.now() if now is None else now
    # The user's row is the mutex for "one earning session per user".
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    rows = list(db.session.scalars(
        select(WatchSessionRow).where(WatchSessionRow.user_id == user.id,
                                      WatchSessionRow.active.is_(True))
        .with_for_update().execution_options(populate_existing=True)))
    session, superseded = tracking.open_session([r.to_tracking() for r in rows], user.id,
                                                lesson.id, now)
    stopped = {s.session_id for s in superseded}
    for row in rows:
        if row.token in stopped:
            row.active = False
            row.updated_at = utcnow()
    db.session.add(WatchSessionRow(
        token=session.session_id, user_id=user.id, lesson_id=lesson.id, asset_id=asset.id,
        started_at=session.started_at, last_beat_at=session.last_beat_at, last_seq=0,
        active=True, credited_seconds=0.0, created_at=utcnow(), updated_at=utcnow()))
    enrollment, _created = learning.enrol(user, lesson.course)
    enrollment.last_lesson_id = lesson.id
    enrollment.last_visited_at = utcnow()
    result.update(recording=True, session_id=session.session_id)
    return result


def purge_sessions(older_than_seconds=7 * 24 * 3600, now=None):
    """Delete sessions nobody has beaten on for a week (their credit is in progress rows)."""
    now = clock.now() if now is None else now
    rows = list(db.session.scalars(select(WatchSessionRow).where(
        WatchSessionRow.last_beat_at < now - older_than_seconds)))
    for row in rows:
        db.session.delete(row)
    return len(rows)
