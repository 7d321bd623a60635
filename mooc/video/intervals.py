"""Intervals of media time: the arithmetic of "what has been watched".

Watched seconds are kept as sorted, merged [start, end] pairs. Positions are kept
to the millisecond: float noise (10.000000001 vs 10.0) would otherwise leave
hairline gaps that never merge and grow the stored list. Pure Python, no Flask.
"""
from __future__ import annotations

import math
from typing import Iterable, Sequence

Interval = tuple[float, float]

_MS = 1000.0


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

