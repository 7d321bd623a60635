"""Transcode an upload into H.264/AAC MP4 renditions with a poster (and optional HLS).

Pure Python (no Flask, no database) so a background worker and the tests can
call it directly.
"""
from __future__ import annotations

import dataclasses
import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable, Sequence

import ffmpeg

from mooc.video.processing.ffmpeg_runner import (ALLOWED_DEMUXERS, TranscodeError, compile_command,
                                      input_url, raise_on_failure, run_ffmpeg)
from mooc.video.processing.hls_packaging import build_hls, extract_audio
from mooc.video.processing.media_probe import MediaInfo, VideoRejected, probe
from mooc.video.processing.poster_frame import make_poster
from mooc.video.processing.rendition_plan import RenditionPlan, bitrates_for, plan_renditions
from mooc.video.processing.transcode_outputs import (AUDIO_NAME, HLS_DIR_NAME, HLS_MASTER_NAME, POSTER_NAME, Rendition,
                                          TranscodeResult, publish_outputs, rendition_filename)

FALLBACK_FPS = 25.0

# Share of the progress bar for encoding; poster, HLS and publishing get the rest.
ENCODE_PROGRESS_SHARE = 95.0


class _ProgressReporter:
    """Monotonic percent reports, one per whole percent, to spare the callback."""

    def __init__(self, callback: Callable[[float], None] | None):
        self.callback = callback
        self.last = -1.0

    def __call__(self, pct: float) -> None:
        pct = max(0.0, min(100.0, pct))
        if self.callback is None or pct < self.last + 1 and not (pct == 100 and self.last < 100):
            return
        self.last = pct
        self.callback(round(pct, 1))


def transcode(src, out_dir, *, heights: Sequence[int] = (360, 720), preset: str = 'veryfast',
              progress: Callable[[float], None] | None = None, keyint_seconds: float = 2,
              hls: bool = False, info: MediaInfo | None = None,
              timeout: float | None = None, audio_only: bool = False) -> TranscodeResult:
    """Encode ``src`` into ``out_dir/{label}.mp4`` + ``poster.jpg`` (+ ``hls/``).

    ``audio_only`` adds ``audio.m4a`` (and ``hls/audio/`` with ``hls``) for listening
    with the screen off: the sound of a rendition copied, not encoded again.

    All files are produced in a hidden temporary directory inside ``out_dir``
    and renamed into place only when everything succeeded.  ``info`` may be the
    result of validate_video() to skip probing again.  ``progress(pct)`` gets
    0-100; raising from it cancels the job.
    """
    started = time.monotonic()
    src, out_dir = Path(src), Path(out_dir)
    if info is None:
        try:
            info = probe(src)
        except VideoRejected as exc:
            raise TranscodeError(f'视频转码失败：{exc.message}') from exc
    if not info.has_video:
        raise TranscodeError('视频转码失败：只有音频，没有画面')
    plans = plan_renditions(info.width, info.height, heights)
    report = _ProgressReporter(progress)
    report(0)
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix='.transcode-', dir=out_dir))
    try:
        renditions = _encode_renditions(src, info, plans, work, preset, keyint_seconds,
                                        timeout, report)
        poster = make_poster(src, info, work / POSTER_NAME)
        report(ENCODE_PROGRESS_SHARE + 2)
        duration = probe(renditions[0].path).duration
        audio = None
        if audio_only and renditions[0].audio_kbps:
            audio = extract_audio(_listening_source(renditions), work / AUDIO_NAME)
        if hls:
            build_hls(renditions, work / HLS_DIR_NAME, segment_seconds=keyint_seconds,
                      audio=audio)
            report(ENCODE_PROGRESS_SHARE + 4)
        published = publish_outputs(work, out_dir,
                                    [r.filename for r in renditions] + [poster.name]
                                    + ([AUDIO_NAME] if audio else []),
                                    HLS_DIR_NAME if hls else None)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(100)
    return TranscodeResult(
        renditions=[dataclasses.replace(r, path=published / r.filename) for r in renditions],
        poster=published / POSTER_NAME, duration=duration, source=info,
        hls_master=published / HLS_DIR_NAME / HLS_MASTER_NAME if hls else None,
        elapsed_seconds=round(time.monotonic() - started, 3),
        audio=published / AUDIO_NAME if audio else None)


def _listening_source(renditions: list[Rendition]) -> Rendition:
    """The rendition whose sound the audio-only file copies: 360p's (64 kbit/s) if made."""
    return min(renditions, key=lambda r: (abs(r.label - 360), r.label))


def _encode_renditions(src, info: MediaInfo, plans: list[RenditionPlan], work: Path,
                       preset: str, keyint_seconds: float, timeout: float | None,
                       report: _ProgressReporter) -> list[Rendition]:
    """All renditions in one ffmpeg run, so the source is decoded only once."""
    fps = info.fps or FALLBACK_FPS
    source = ffmpeg.input(input_url(src), format_whitelist=ALLOWED_DEMUXERS)
    video = source[str(info.video_stream)]
    if info.interlaced:
        video = video.filter('yadif')
    if fps > 60:
        # Keeps the keyframe interval and the H.264 level sensible for 120 fps phone clips.
        fps = 30.0
        video = video.filter('fps', 30)
    # One decode feeds every rendition; each picture is scaled from the next larger one
    # (1080 -> 720 -> 360 -> 240), so the full-size frame is scaled only once.
    videos = _cascade(video, plans)
    audios = [None] * len(plans)
    if info.has_audio:
        audio = source[str(info.audio_stream)].filter('aformat', channel_layouts='mono|stereo')
        audios = _split_stream(audio, 'asplit', len(plans))
    keyint = max(1, round(fps * keyint_seconds))
    outputs, renditions = [], []
    for plan, branch, sound in zip(plans, videos, audios):
        video_kbps, audio_kbps = bitrates_for(plan.label)
        options = {
            'c:v': 'libx264', 'preset': preset, 'crf': 23, 'profile:v': 'high',
            'maxrate': f'{video_kbps}k', 'bufsize': f'{2 * video_kbps}k', 'pix_fmt': 'yuv420p',
            # Fixed GOP: keyframes every keyint_seconds, so HLS can cut clean segments.
            'g': keyint, 'keyint_min': keyint, 'sc_threshold': 0,
            'movflags': '+faststart', 'map_metadata': -1, 'map_chapters': -1,
        }
        streams = [branch.filter('setsar', 1)]
        if sound is not None:
            options.update({'c:a': 'aac', 'b:a': f'{audio_kbps}k'})
            streams.append(sound)
        path = work / rendition_filename(plan.label)
        outputs.append(ffmpeg.output(*streams, str(path), **options))
        renditions.append(Rendition(plan.label, path, plan.width, plan.height, video_kbps,
                                    audio_kbps if sound is not None else 0))
    if timeout is None:
        # 1080p -> 360+720 at veryfast ran 1.3x real time on a loaded 2-core box;
        # 8x the duration only catches a hung ffmpeg, never a slow one.
        timeout = 120 + 8 * info.duration if info.duration else 6 * 3600
    duration = info.duration

    def on_out_time(seconds: float) -> None:
        if duration:
            report(ENCODE_PROGRESS_SHARE * min(1.0, seconds / duration))

    outcome = run_ffmpeg(compile_command(ffmpeg.merge_outputs(*outputs)), timeout, on_out_time)
    raise_on_failure(outcome, '视频转码')
    report(ENCODE_PROGRESS_SHARE)
    return [dataclasses.replace(r, size_bytes=r.path.stat().st_size) for r in renditions]


def _cascade(video, plans: list[RenditionPlan]) -> list:
    """Scaled copies of ``video``, one per plan (in plan order), largest scaled first."""
    order = sorted(range(len(plans)), key=lambda i: -plans[i].width * plans[i].height)
    scaled: list = [None] * len(plans)
    current = video
    for position, index in enumerate(order):
        plan = plans[index]
        current = current.filter('scale', plan.width, plan.height)
        if position == len(order) - 1:
            scaled[index] = current
        else:
            scaled[index], current = _split_stream(current, 'split', 2)
    return scaled


def _split_stream(stream, split_filter: str, count: int) -> list:
    """``count`` copies of a filter-graph stream (split / asplit; none needed for one)."""
    if count == 1:
        return [stream]
    node = stream.filter_multi_output(split_filter, count)
    return [node.stream(i) for i in range(count)]

