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
``apply_heartbeat`` inside one write transaction, and stores the state back.
Every function takes ``now`` (server clock, float seconds) so tests can use a
fake clock.
"""
from __future__ import annotations

import math
import uuid
from dataclasses import asdict, dataclass, field
from typing import Iterable, Sequence

Interval = tuple[float, float]

# Positions are kept to the millisecond: float noise (10.000000001 vs 10.0)
# would otherwise leave hairline gaps that never merge and grow the stored list.
_MS = 1000.0

# An honest 10 s beat carries a handful of segments; the cap bounds the work a
# forged request can cause (merging is quadratic in the worst case).
MAX_SEGMENTS_PER_BEAT = 200


# --------------------------------------------------------------------------
# Intervals of media time
# --------------------------------------------------------------------------

def merge_intervals(intervals: Iterable[Sequence[float]]) -> list[Interval]:
    """Sort and merge overlapping or touching intervals; drop empty or non-finite ones.

    Only touching intervals merge, never ones with a gap: bridging gaps would
    let a client earn the gap's seconds without spending any budget.
    """
    cleaned = sorted(
        (float(start), float(end))
        for start, end in intervals
        if math.isfinite(start) and math.isfinite(end) and end > start
    )
    merged: list[Interval] = []
    for start, end in cleaned:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def total_length(intervals: Iterable[Sequence[float]]) -> float:
    return sum(end - start for start, end in merge_intervals(intervals))


def clip_intervals(intervals: Iterable[Sequence[float]], duration: float) -> list[Interval]:
    """Intervals restricted to the media, [0, duration], merged."""
    return merge_intervals(
        (max(0.0, start), min(float(duration), end)) for start, end in intervals
    )


def coverage(intervals: Iterable[Sequence[float]], duration: float) -> float:
    """Share of the media (0..1) covered by the intervals.

    A lesson without a measured duration has nothing that can be covered, so
    it answers 0 rather than raising: dashboards call this too.
    """
    if not (math.isfinite(duration) and duration > 0):
        return 0.0
    return min(1.0, total_length(clip_intervals(intervals, duration)) / duration)


def frontier(intervals: Iterable[Sequence[float]], gap_tolerance: float = 0.0) -> float:
    """The furthest point reached contiguously from 0.

    ``gap_tolerance`` lets small gaps (a player's first report starting at
    0.3 s, a timer hiccup between beats) not stop the frontier.
    """
    reach = 0.0
    for start, end in merge_intervals(intervals):
        if start > reach + gap_tolerance:
            break
        reach = max(reach, end)
    return reach


def subtract_intervals(segment: Sequence[float], intervals: Iterable[Sequence[float]]) -> list[Interval]:
    """The parts of ``segment`` not covered by ``intervals``, in order."""
    cursor, end = float(segment[0]), float(segment[1])
    parts: list[Interval] = []
    for cover_start, cover_end in merge_intervals(intervals):
        if cover_end <= cursor:
            continue
        if cover_start >= end:
            break
        if cover_start > cursor:
            parts.append((cursor, cover_start))
        cursor = max(cursor, cover_end)
        if cursor >= end:
            break
    if cursor < end:
        parts.append((cursor, end))
    return parts


def intervals_to_json(intervals: Iterable[Sequence[float]]) -> list[list[float]]:
    return [[start, end] for start, end in merge_intervals(intervals)]


def intervals_from_json(data) -> list[Interval]:
    """Read ``[[start, end], ...]``; re-merges so a hand-edited row stays sane."""
    if not isinstance(data, list):
        raise ValueError("intervals must be a list of [start, end] pairs")
    pairs = []
    for item in data:
        if not (isinstance(item, (list, tuple)) and len(item) == 2):
            raise ValueError("intervals must be a list of [start, end] pairs")
        pairs.append((_finite_number(item[0], "interval start"), _finite_number(item[1], "interval end")))
    return merge_intervals(pairs)


def _round_ms(value: float) -> float:
    return round(value * _MS) / _MS


def _floor_ms(value: float) -> float:
    # Truncating (not rounding) keeps a budget-limited end inside the budget;
    # the epsilon stops 3.234 * 1000 = 3233.9999… from losing a millisecond.
    return math.floor(value * _MS + 1e-6) / _MS


def _finite_number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} must be a number")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{what} must be finite")
    return number


# --------------------------------------------------------------------------
# Policy and stored state
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class WatchPolicy:
    """How strict the server is; ``no_skip_ahead`` is chosen per course."""

    heartbeat_interval: float = 10.0   # what the client is told to use
    max_rate: float = 2.0              # fastest playback rate that still earns credit
    tolerance: float = 2.0             # seconds of slack per beat for network jitter
    min_beat_gap: float = 3.0          # regular beats closer than this are floods
    min_final_beat_gap: float = 0.5    # a "page hidden / ended" beat may come early
    completion_share: float = 0.95     # share of the measured duration that completes
    no_skip_ahead: bool = False        # first viewing must be watched in order
    # Longest silence a single beat can be paid for: a laptop waking from
    # sleep must not cash in hours.  Generous because browsers throttle
    # timers in background tabs to about one per minute.
    session_idle_timeout: float = 300.0

    def __post_init__(self):
        for name in ("heartbeat_interval", "max_rate", "min_beat_gap", "session_idle_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")
        if not self.tolerance >= 0:
            raise ValueError("tolerance must not be negative")
        if not 0 <= self.min_final_beat_gap <= self.min_beat_gap <= self.heartbeat_interval:
            raise ValueError("need 0 <= min_final_beat_gap <= min_beat_gap <= heartbeat_interval")
        if not 0 < self.completion_share <= 1:
            raise ValueError("completion_share must be in (0, 1]")
        if self.session_idle_timeout < self.heartbeat_interval:
            raise ValueError("session_idle_timeout must be at least one heartbeat_interval")


@dataclass
class WatchSession:
    """One device watching one lesson.  Only one session per user earns credit."""

    session_id: str
    user_id: int | str
    lesson_id: int | str
    started_at: float
    last_beat_at: float          # server time of the last *accepted* beat
    last_seq: int = 0            # beats must count up from 1
    active: bool = True          # False once another device took over
    credited_seconds: float = 0.0  # new seconds this session earned (session-wide cap)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "WatchSession":
        return cls(
            session_id=str(data["session_id"]),
            user_id=data["user_id"],
            lesson_id=data["lesson_id"],
            started_at=_finite_number(data["started_at"], "started_at"),
            last_beat_at=_finite_number(data["last_beat_at"], "last_beat_at"),
            last_seq=int(data.get("last_seq", 0)),
            active=bool(data.get("active", True)),
            credited_seconds=_finite_number(data.get("credited_seconds", 0.0), "credited_seconds"),
        )


@dataclass
class LessonProgress:
    """What one user has watched of one lesson, across all sessions and devices."""

    intervals: list[Interval] = field(default_factory=list)  # merged, sorted
    position: float = 0.0                                    # resume point
    completed: bool = False
    completed_at: float | None = None

    def coverage(self, duration: float) -> float:
        return coverage(self.intervals, duration)

    def watched_seconds(self) -> float:
        return total_length(self.intervals)

    def to_json(self) -> dict:
        return {
            "intervals": intervals_to_json(self.intervals),
            "position": self.position,
            "completed": self.completed,
            "completed_at": self.completed_at,
        }

    @classmethod
    def from_json(cls, data: dict) -> "LessonProgress":
        completed_at = data.get("completed_at")
        return cls(
            intervals=intervals_from_json(data.get("intervals", [])),
            position=_finite_number(data.get("position", 0.0), "position"),
            completed=bool(data.get("completed", False)),
            completed_at=None if completed_at is None else _finite_number(completed_at, "completed_at"),
        )


# --------------------------------------------------------------------------
# Heartbeats and their outcome
# --------------------------------------------------------------------------

class InvalidBeat(ValueError):
    """A beat the server cannot read; answer 400 with ``message_zh``."""

    http_status = 400
    message_zh = "心跳数据格式不正确"


@dataclass(frozen=True)
class Heartbeat:
    """What the player reports: segments of media time played since the last
    acknowledged beat, the playback rate, the playhead, and whether this is
    the last beat before the page goes away (``final``)."""

    seq: int
    segments: tuple[Interval, ...] = ()
    rate: float = 1.0
    position: float = 0.0
    final: bool = False

    def __post_init__(self):
        if isinstance(self.seq, bool) or not isinstance(self.seq, int) or self.seq < 1:
            raise InvalidBeat("seq must be an integer >= 1")
        if not isinstance(self.final, bool):
            raise InvalidBeat("final must be true or false")
        try:
            rate = _finite_number(self.rate, "rate")
            position = _finite_number(self.position, "position")
            segments = tuple(_read_segment(item) for item in self.segments)
        except (TypeError, ValueError) as error:
            raise InvalidBeat(str(error)) from None
        if rate <= 0:
            raise InvalidBeat("rate must be positive")
        if len(segments) > MAX_SEGMENTS_PER_BEAT:
            raise InvalidBeat("too many segments in one beat")
        # Frozen dataclass: normalised values are written through object.__setattr__.
        object.__setattr__(self, "rate", rate)
        object.__setattr__(self, "position", position)
        object.__setattr__(self, "segments", segments)

    @classmethod
    def from_json(cls, data) -> "Heartbeat":
        if not isinstance(data, dict):
            raise InvalidBeat("beat must be an object")
        segments = data.get("segments", [])
        if not isinstance(segments, list):
            raise InvalidBeat("segments must be a list")
        return cls(
            seq=data.get("seq"),
            segments=tuple(segments),
            rate=data.get("rate", 1.0),
            position=data.get("position", 0.0),
            final=data.get("final", False),
        )


def _read_segment(item) -> Interval:
    if not (isinstance(item, (list, tuple)) and len(item) == 2):
        raise ValueError("each segment must be [start, end]")
    start = _finite_number(item[0], "segment start")
    end = _finite_number(item[1], "segment end")
    if end < start:
        raise ValueError("segment end must not be before its start")
    return (start, end)


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
    3. too soon after the previous accepted beat → 'too_fast', 429, nothing
       changes, and the seq is NOT consumed.  A flood therefore cannot push
       the clock forward or burn sequence numbers, and an honest client that
       fired early simply resends the same segments later.  Replays stay
       harmless because the budget is always measured from the last
       *accepted* beat.
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
    min_gap = policy.min_final_beat_gap if beat.final else policy.min_beat_gap
    if elapsed < min_gap:
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
    session.last_beat_at = now
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
