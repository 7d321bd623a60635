"""The one time source for watch sessions and signed media URLs.

Tests replace `now` (monkeypatch.setattr(clock, "now", fake)); every caller looks
it up through the module at call time, so a fake clock reaches them all.
"""
import time


def now() -> float:
    return time.time()
