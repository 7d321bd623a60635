"""Verified events that study points (学习积分) are awarded for.

Points are never granted by a request saying "give me points": each feature that owns
a record the server has verified (a lesson completion, video seconds credited by the
server clock, a passed attempt, an approved reflection, a read receipt, a sign-in)
registers a *source* that lists those records as `PointEvent`s. The points feature
turns them into ledger rows, unique per (user, rule, key), so reading a source twice
(a retry, a crash between two sweeps) never awards twice. Sources do not import the
points feature and the points feature does not import them: they meet here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable

from mooc.core.registry import contributions


@dataclass(frozen=True)
class PointEvent:
    user_id: int
    rule: str          # e.g. "lesson_completed", "video_minutes", "reflection_approved"
    key: str           # unique within (user, rule): the record's identity, e.g. "lesson:42"
    occurred_at: datetime
    units: int = 1     # how many units of the rule (minutes for video_minutes)


Source = Callable[[datetime | None], Iterable[PointEvent]]


def register_source(app, source: Source) -> None:
    """`source(since)` yields the events that occurred at or after `since` (all if None)."""
    contributions(app).point_sources.append(source)


def sources(app=None) -> list[Source]:
    return list(contributions(app).point_sources)
