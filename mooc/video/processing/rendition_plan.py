"""Which MP4 renditions to make from a source, and at what bitrates."""
from __future__ import annotations

import dataclasses
from typing import Sequence

# (video kbit/s cap, audio kbit/s) per rendition label.  Video uses capped CRF:
# a lecture with static slides stays far below the cap, motion reaches it.
# 240p stays under ~300 kbit/s with its sound, so it plays on a 400 kbit/s train link.
BITRATE_LADDER = {240: (240, 48), 360: (600, 64), 480: (1000, 96),
                  720: (1800, 96), 1080: (3500, 128)}
# The adaptive ladder the app makes by default (config VIDEO_RENDITIONS); bump
# LADDER_VERSION when it changes, and the worker re-transcodes older videos.
DEFAULT_LADDER = (240, 360, 720)
LADDER_VERSION = 2


@dataclasses.dataclass(frozen=True)
class RenditionPlan:
    label: int
    width: int
    height: int


# yuv420p (what browsers play) halves the colour planes, so sizes must be even.

def even_size(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def even_floor(value: int) -> int:
    return max(2, value - value % 2)


def plan_renditions(width: int, height: int, labels: Sequence[int]) -> list[RenditionPlan]:
    """Which renditions to make: never upscale.

    A label is the short side (height for landscape, width for portrait), so
    a phone video filmed upright gets a usable 360 px wide rendition.  A source
    smaller than every label yields one rendition at its own size, named after
    the smallest label so the set of file names stays fixed.
    """
    labels = sorted({int(label) for label in labels})
    if not labels:
        raise ValueError('heights must not be empty')
    short, long_ = min(width, height), max(width, height)
    fitting = [label for label in labels if label <= short]
    if not fitting:
        return [RenditionPlan(labels[0], even_floor(width), even_floor(height))]
    plans = []
    for label in fitting:
        new_short, new_long = even_size(label), even_size(long_ * label / short)
        w, h = (new_long, new_short) if width >= height else (new_short, new_long)
        plans.append(RenditionPlan(label, w, h))
    return plans


def bitrates_for(label: int) -> tuple[int, int]:
    if label in BITRATE_LADDER:
        return BITRATE_LADDER[label]
    # Between ladder rungs: scale 720p's cap by the pixel-count ratio, damped.
    return int(1800 * (label / 720) ** 1.5), (64 if label < 480 else 96)

