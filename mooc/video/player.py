"""What the lesson page gives the player (built on a GET: reads and signs, writes nothing)."""
from __future__ import annotations

from flask import url_for

from mooc.video import media, services, watch


def clock_label(seconds):
    seconds = int(seconds or 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def player_context(lesson, user):
    asset = services.playable_asset(lesson)
    if asset is None:
        latest = services.latest_asset(lesson)
        return {"asset": None, "processing": latest is not None and not latest.is_ready}
    policy = watch.policy_for(lesson.course)
    state, _row = watch.learner_state(user, lesson)
    position = state.position
    if asset.duration and position >= asset.duration - 3:
        position = 0.0   # finished last time: start over rather than at the end
    cues = [{**cue, "label": clock_label(cue["start"])}
            for cue in services.transcript_cues(lesson)]
    return {
        "asset": asset,
        "sources": media.player_sources(user, asset),
        "recording": watch.is_recording(user, lesson),
        "state": {**watch.summary(state, policy, asset.duration), "position": position},
        "transcript": cues,
        "duration_label": clock_label(asset.duration),
        "session_url": url_for("video_api.open_session", lesson_id=lesson.id),
        "sources_url": url_for("video_api.sources", lesson_id=lesson.id),
        "speeds": [0.75, 1, 1.25, 1.5, 2],
    }
