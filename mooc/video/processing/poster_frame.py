"""The poster image shown before a lecture video plays."""
from __future__ import annotations

from pathlib import Path

import ffmpeg

from mooc.video.processing.ffmpeg_runner import (ALLOWED_DEMUXERS, TranscodeError, compile_command,
                                      input_url, raise_on_failure, run_ffmpeg)
from mooc.video.processing.media_probe import PROBE_TIMEOUT_SECONDS, MediaInfo
from mooc.video.processing.rendition_plan import even_floor, even_size

POSTER_WIDTH = 640


def make_poster(src, info: MediaInfo, target: Path) -> Path:
    """Write one frame of ``src``, at most POSTER_WIDTH wide, as a JPEG to ``target``."""
    width = min(POSTER_WIDTH, even_floor(info.width))
    height = even_size(info.height * width / info.width)
    # Middle of a short clip, 5 s into a long one (past fade-ins, before slides change).
    offsets = [min(5.0, info.duration / 2)] if info.duration else []
    for offset in offsets + [0.0]:
        stream = (ffmpeg.input(input_url(src), ss=offset, format_whitelist=ALLOWED_DEMUXERS)
                  [str(info.video_stream)]
                  .filter('scale', width, height).filter('setsar', 1)
                  .output(str(target), **{'frames:v': 1, 'q:v': 3, 'update': 1}))
        outcome = run_ffmpeg(compile_command(stream), PROBE_TIMEOUT_SECONDS * 2)
        raise_on_failure(outcome, '生成封面')
        if target.exists() and target.stat().st_size > 0:
            return target
    raise TranscodeError('生成封面失败：无法读取视频画面')
