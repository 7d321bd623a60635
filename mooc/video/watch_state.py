"""The watch rules' inputs: policy, stored session and progress state, heartbeats.

Pure Python with no Flask and no database (see tracking.py for the rules); the
state classes are JSON-serialisable so the caller can store them.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from mooc.video.intervals import (Interval, _finite_number, coverage, intervals_from_json,
                                  intervals_to_json, total_length)

# An honest 10 s beat carries a handful of segments; the cap bounds the work a
# forged request can cause (merging is quadratic in the worst case).
MAX_SEGMENTS_PER_BEAT = 200


@dataclass(frozen=True)
class WatchPolicy:
    """How strict the server is; ``no_skip_ahead`` is chosen per course."""

    heartbeat_interval: float = 10.0   # what the client is told to use
    max_rate: float = 2.0              # fastest playback rate that still earns credit
    tolerance: float = 2.0             # seconds of slack per beat for network jitter
    min_beat_gap: float = 3.0          # regular beats closer than this are floods
    # (A "page hidden / ended" beat needs no gap: it earns only its elapsed time.)
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
        if not self.min_beat_gap <= self.heartbeat_interval:
            raise ValueError("need min_beat_gap <= heartbeat_interval")
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

