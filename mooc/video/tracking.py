"""Server-side rules for honest video watch tracking.

The browser only *reports* what its player played; the server decides what
counts as study time.  Auto-play scripts for study platforms forge heartbeats
or flood progress requests, so every credited second must be backed by the
server's own clock:

* a watch session per device, beats carrying a sequence number every ~10 s;
* each beat earns at most (server time since the previous accepted beat) ×
  (claimed rate, capped) + a small tolerance, and only *new* seconds spend
  that budget, so re-watching never counts twice;
* watched seconds are kept as merged intervals, and completion is measured
  against the duration the server measured at upload, never the client's.

Pure Python with no Flask and no database: the caller loads the state
(``WatchSession`` and ``LessonProgress`` are JSON-serialisable), calls
``apply_heartbeat``, and stores the state back only if the session row still has
the sequence number it read (see mooc.video.beats).
Every function takes ``now`` (server clock, float seconds) so tests can use a
fake clock.
"""
from __future__ import annotations

import math
import uuid
from dataclasses import asdict, dataclass
from typing import Iterable, Sequence

# The arithmetic and the inputs live in their own modules; their names stay
# importable from here, where callers and tests have always found them.
from mooc.video.intervals import (  # noqa: F401 - re-exported
    Interval, _finite_number, _floor_ms, _round_ms, clip_intervals, coverage, frontier,
    intervals_from_json, intervals_to_json, merge_intervals, subtract_intervals, total_length)
from mooc.video.watch_state import (  # noqa: F401 - re-exported
    MAX_SEGMENTS_PER_BEAT, Heartbeat, InvalidBeat, LessonProgress, WatchPolicy, WatchSession)


OK = "ok"
PARTIALLY_CREDITED = "partially_credited"
DUPLICATE = "duplicate"
SUPERSEDED = "superseded"
TOO_FAST = "too_fast"

OVER_BUDGET = "over_budget"
SKIP_AHEAD = "skip_ahead"

MESSAGES_ZH = {
    TOO_FAST: "心跳过于频繁，本次上报未计入，请稍后再试",
    SUPERSEDED: "已在其他设备上观看，本设备不再计入学时",
    OVER_BUDGET: "上报的观看时长超过实际经过的时间，超出部分不计入学时",
    SKIP_AHEAD: "首次学习不能跳过未观看的内容，跳过的部分不计入学时",
}


@dataclass(frozen=True)
class BeatOutcome:
    status: str
    http_status: int             # suggestion: 200, 409 superseded, 429 too fast
    credited_seconds: float      # new seconds added by this beat
    refused_seconds: float       # new seconds claimed but not credited
    coverage: float              # 0..1 of the measured duration, after this beat
    completed: bool
    completed_now: bool          # this beat completed the lesson: award hours once
    position: float              # resume point after this beat
    reasons: tuple[str, ...] = ()
    message_zh: str | None = None

    def to_json(self) -> dict:
        data = asdict(self)
        data["reasons"] = list(self.reasons)
        return data


# --------------------------------------------------------------------------
# Sessions
# --------------------------------------------------------------------------

def open_session(
    existing_sessions: Iterable[WatchSession],
    user_id: int | str,
    lesson_id: int | str,
    now: float,
    session_id: str | None = None,
) -> tuple[WatchSession, list[WatchSession]]:
    """Start a session for a device; every other active session of the user stops earning.

    One earning session per *user* (not per lesson): two tabs or two phones
    playing at once must not earn double.  The superseded sessions are
    changed in place and returned so the caller can store them in the same
    transaction as the new one (otherwise two devices opening at the same
    instant could both stay active).
    """
    _require_finite_clock(now)
    superseded = []
    for session in existing_sessions:
        if session.user_id == user_id and session.active:
            session.active = False
            superseded.append(session)
    new_session = WatchSession(
        session_id=session_id or uuid.uuid4().hex,
        user_id=user_id,
        lesson_id=lesson_id,
        started_at=now,
        last_beat_at=now,
    )
    return new_session, superseded


def is_idle(policy: WatchPolicy, session: WatchSession, now: float) -> bool:
    """No accepted beat for longer than the idle timeout (for "watching now" views and clean-up)."""
    return now - session.last_beat_at > policy.session_idle_timeout


# --------------------------------------------------------------------------
# Applying a heartbeat
# --------------------------------------------------------------------------

def apply_heartbeat(
    policy: WatchPolicy,
    session: WatchSession,
    progress: LessonProgress,
    beat: Heartbeat,
    now: float,
    duration: float,
) -> BeatOutcome:
    """Decide what a beat earns, and update ``session`` and ``progress`` in place.

    Order of the checks matters:
    1. ``seq <= last_seq`` → 'duplicate', 200, nothing changes.  A retried beat
       whose first answer was lost was already credited; answering success
       lets the client drop those segments without counting them twice.
    2. inactive session → 'superseded', 409, nothing changes (not even the
       resume point: the other device owns it now).
    3. a regular beat too soon after the previous accepted beat → 'too_fast',
       429, nothing changes, and the seq is NOT consumed.  A flood therefore
       cannot push the clock forward or burn sequence numbers, and an honest
       client that fired early simply resends the same segments later.
       Replays stay harmless because the budget is always measured from the
       last *accepted* beat.  A *final* beat (playback ended, page hidden) is
       never too fast: there is no "later" to resend it in, and refusing it
       lost the last position.  It needs no gap because it cannot earn more
       than its gap: its budget is elapsed × rate plus the tolerance in
       proportion to elapsed / min_beat_gap, so a flood of final beats earns
       exactly what fewer, slower beats would (and the session-wide cap holds).
    4. otherwise the beat is accepted (seq consumed, clock advanced) and its
       new seconds are credited within the budget; the rest is refused with
       a reason, status 'partially_credited'.
    """
    _require_finite_clock(now)
    if not (math.isfinite(duration) and duration > 0):
        raise ValueError("duration must be the positive duration measured at upload")

    if beat.seq <= session.last_seq:
        return _unchanged(DUPLICATE, 200, progress, duration)
    if not session.active:
        return _unchanged(SUPERSEDED, 409, progress, duration, MESSAGES_ZH[SUPERSEDED])

    elapsed = max(0.0, now - session.last_beat_at)  # a clock stepping back pays nothing
    if not beat.final and elapsed < policy.min_beat_gap:
        return _unchanged(TOO_FAST, 429, progress, duration, MESSAGES_ZH[TOO_FAST])

    budget = credit_budget(policy, session, beat.rate, elapsed, now)
    enforce_order = policy.no_skip_ahead and not progress.completed
    credit = _credit_segments(
        progress.intervals, beat.segments, duration, budget,
        skip_tolerance=policy.tolerance if enforce_order else None,
    )

    position = min(max(beat.position, 0.0), duration)
    if enforce_order:
        # Resuming past the frontier would only land the learner where nothing counts.
        position = min(position, frontier(credit.intervals, policy.tolerance) + policy.tolerance)
    position = _round_ms(position)

    new_coverage = coverage(credit.intervals, duration)
    # The epsilon absorbs float noise such as 0.9499999999 for exactly 95 %.
    completed_now = not progress.completed and new_coverage + 1e-9 >= policy.completion_share

    # All decisions are made; only now touch the caller's state, so an
    # exception above leaves it unchanged.
    session.last_seq = beat.seq
    session.last_beat_at = max(session.last_beat_at, now)  # a final beat may come at 0 s
    session.credited_seconds = _round_ms(session.credited_seconds + credit.credited)
    progress.intervals = credit.intervals
    progress.position = position
    if completed_now:
        progress.completed = True
        progress.completed_at = now

    reasons = tuple(
        reason for reason, seconds in ((SKIP_AHEAD, credit.skipped), (OVER_BUDGET, credit.over_budget))
        if seconds > 0
    )
    return BeatOutcome(
        status=PARTIALLY_CREDITED if reasons else OK,
        http_status=200,
        credited_seconds=_round_ms(credit.credited),
        refused_seconds=_round_ms(credit.skipped + credit.over_budget),
        coverage=new_coverage,
        completed=progress.completed,
        completed_now=completed_now,
        position=position,
        reasons=reasons,
        message_zh="；".join(MESSAGES_ZH[reason] for reason in reasons) or None,
    )


def credit_budget(policy: WatchPolicy, session: WatchSession, rate: float, elapsed: float, now: float) -> float:
    """Most new seconds an accepted beat may earn.

    Per beat: paid time × min(rate, max_rate) + tolerance, where paid time is
    the server's elapsed time, capped at the idle timeout.  Two refinements
    close loopholes of a flat per-beat tolerance:
    * an early (final) beat gets the tolerance only in proportion to
      elapsed / min_beat_gap, so a flood of final beats cannot farm it;
    * the whole session never earns more than its wall-clock time × max_rate
      + one tolerance (jitter between beats cancels out over a session, so one
      tolerance is enough for honest clients).
    """
    paid_time = min(elapsed, policy.session_idle_timeout)
    slack = policy.tolerance * min(1.0, elapsed / policy.min_beat_gap)
    per_beat = paid_time * min(rate, policy.max_rate) + slack
    session_left = (
        max(0.0, now - session.started_at) * policy.max_rate + policy.tolerance - session.credited_seconds
    )
    return max(0.0, min(per_beat, session_left))


@dataclass(frozen=True)
class _Credit:
    intervals: list[Interval]
    credited: float
    over_budget: float
    skipped: float


def _credit_segments(
    watched: list[Interval],
    segments: Iterable[Sequence[float]],
    duration: float,
    budget: float,
    skip_tolerance: float | None,
) -> _Credit:
    """Credit the not-yet-watched parts of ``segments`` in media order until the budget runs out.

    Already watched seconds cost nothing and earn nothing, so re-watching is
    free but never counts twice.  With ``skip_tolerance`` set (no skipping on
    a first viewing), a part starting beyond the frontier + tolerance is
    refused; the frontier moves as earlier parts are credited, so one beat
    may carry several consecutive segments.
    """
    watched = merge_intervals(watched)
    claimed = clip_intervals(((_round_ms(s), _round_ms(e)) for s, e in segments), duration)
    credited = over_budget = skipped = 0.0
    for segment in claimed:
        for start, end in subtract_intervals(segment, watched):
            if skip_tolerance is not None and start > frontier(watched, skip_tolerance) + skip_tolerance:
                skipped += end - start
                continue
            credited_end = min(end, _floor_ms(start + max(0.0, budget - credited)))
            if credited_end > start:
                watched = merge_intervals(watched + [(start, credited_end)])
                credited += credited_end - start
            over_budget += end - max(start, credited_end)
    return _Credit(watched, credited, over_budget, skipped)


def _unchanged(status: str, http_status: int, progress: LessonProgress, duration: float,
               message_zh: str | None = None) -> BeatOutcome:
    return BeatOutcome(
        status=status,
        http_status=http_status,
        credited_seconds=0.0,
        refused_seconds=0.0,
        coverage=coverage(progress.intervals, duration),
        completed=progress.completed,
        completed_now=False,
        position=progress.position,
        message_zh=message_zh,
    )


def _require_finite_clock(now: float) -> None:
    if not math.isfinite(now):
        raise ValueError("now must be a finite server time")
