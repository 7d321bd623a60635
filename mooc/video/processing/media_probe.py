"""What an uploaded file is, and whether it is an acceptable lecture video.

``probe`` reads the container facts from ``ffmpeg -i`` (no ffprobe needed);
``validate_video`` also decodes the whole picture track once.  A file that is
not acceptable raises VideoRejected with a message for the uploader.
"""
from __future__ import annotations

import dataclasses
import os
import re
import subprocess

from mooc.video.processing.ffmpeg_runner import ALLOWED_DEMUXERS, find_ffmpeg, input_url, run_ffmpeg

PROBE_TIMEOUT_SECONDS = 30
MIN_DURATION_SECONDS = 1.0
MAX_DIMENSION = 8192

EMPTY, NOT_MEDIA, AUDIO_ONLY, CORRUPT, TOO_SHORT, TOO_LARGE, TIMEOUT = (
    'empty', 'not_media', 'audio_only', 'corrupt', 'too_short',
    'resolution_too_large', 'timeout')
REJECTION_MESSAGES = {
    EMPTY: '文件为空',
    NOT_MEDIA: '不是有效的视频文件',
    AUDIO_ONLY: '只有音频，没有画面',
    CORRUPT: '视频文件不完整或已损坏',
    TOO_SHORT: f'视频时长过短（至少 {MIN_DURATION_SECONDS:g} 秒）',
    TOO_LARGE: f'视频分辨率过大（长边不能超过 {MAX_DIMENSION} 像素）',
    TIMEOUT: '视频检查超时，文件可能已损坏',
}


class VideoRejected(Exception):
    """The upload is not an acceptable video; ``message`` is shown to the user."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code

    @classmethod
    def because(cls, code: str) -> 'VideoRejected':
        return cls(REJECTION_MESSAGES[code], code)


@dataclasses.dataclass(frozen=True)
class MediaInfo:
    duration: float            # seconds; 0.0 when the container does not say
    width: int                 # display size: rotation and pixel aspect applied
    height: int
    has_video: bool
    has_audio: bool
    video_codec: str | None
    audio_codec: str | None
    fps: float | None = None
    container: str = ''
    video_stream: int | None = None   # absolute stream indexes, for -map 0:N
    audio_stream: int | None = None
    interlaced: bool = False


_DURATION = re.compile(r'Duration:\s*(\d+):(\d\d):(\d\d(?:\.\d+)?)')
_INPUT = re.compile(r'^Input #0, (.+?), from ', re.M)
_STREAM = re.compile(r'^[ \t]*Stream #0:(\d+)(?:\[[^\]]*\])?(?:\([^)]*\))?: (Video|Audio): (.*)$', re.M)
_SIZE = re.compile(r'(?<![\w.])([1-9]\d{0,4})x([1-9]\d{0,4})(?!\w)')
_SAR = re.compile(r'SAR (\d+):(\d+)')
_FPS = re.compile(r'([\d.]+)(k?) (fps|tbr)\b')
_ROTATION = re.compile(r'rotation of (-?[\d.]+) degrees', re.I)


def parse_probe_output(stderr: str) -> MediaInfo | None:
    """Read ``ffmpeg -i`` stderr; None when ffmpeg could not open the input."""
    container = _INPUT.search(stderr)
    if not container:
        return None
    duration = 0.0
    match = _DURATION.search(stderr)
    if match:
        h, m, s = match.groups()
        duration = int(h) * 3600 + int(m) * 60 + float(s)
    video = audio = None
    for stream in _STREAM.finditer(stderr):
        index, kind, rest = int(stream.group(1)), stream.group(2), stream.group(3)
        # Cover art in an m4a/mp3 is a "video" stream; it is not a picture track.
        if kind == 'Video' and video is None and 'attached pic' not in rest:
            video = (index, rest, _side_data_after(stderr, stream.end()))
        elif kind == 'Audio' and audio is None:
            audio = (index, rest)
    width = height = 0
    fps = None
    interlaced = False
    if video:
        width, height, fps = _video_geometry(video[1], video[2])
        interlaced = 'top first' in video[1] or 'bottom first' in video[1]
    return MediaInfo(
        duration=round(duration, 3), width=width, height=height,
        has_video=video is not None, has_audio=audio is not None,
        video_codec=_codec(video[1]) if video else None,
        audio_codec=_codec(audio[1]) if audio else None,
        fps=fps, container=container.group(1),
        video_stream=video[0] if video else None,
        audio_stream=audio[0] if audio else None,
        interlaced=interlaced)


def _codec(stream_rest: str) -> str:
    return stream_rest.split(None, 1)[0].rstrip(',')


def _side_data_after(stderr: str, position: int) -> str:
    """Deeper-indented lines under a stream line (metadata, display matrix)."""
    block = []
    for line in stderr[position:].split('\n')[1:]:
        if not line.startswith('    ') or 'Stream #' in line:
            break
        block.append(line)
    return '\n'.join(block)


def _video_geometry(rest: str, side_data: str) -> tuple[int, int, float | None]:
    size = _SIZE.search(rest)
    if not size:
        return 0, 0, None
    width, height = int(size.group(1)), int(size.group(2))
    sar = _SAR.search(rest)
    if sar and int(sar.group(1)) and int(sar.group(2)):
        # Non-square pixels (DVD, some cameras): use the shape the viewer sees.
        width = round(width * int(sar.group(1)) / int(sar.group(2)))
    rotation = _ROTATION.search(side_data + '\n' + rest)
    if rotation and round(abs(float(rotation.group(1)))) % 180 == 90:
        width, height = height, width   # ffmpeg auto-rotates when decoding
    fps = None
    for match in _FPS.finditer(rest):
        fps = float(match.group(1)) * (1000 if match.group(2) else 1)
        if match.group(3) == 'fps':
            break
    return width, height, fps


def probe(path) -> MediaInfo:
    """Container facts from ``ffmpeg -i`` (no ffprobe needed).

    Raises VideoRejected when ffmpeg cannot open the file at all.
    """
    if os.path.getsize(path) == 0:
        raise VideoRejected.because(EMPTY)
    args = [find_ffmpeg(), '-hide_banner', '-nostdin',
            '-format_whitelist', ALLOWED_DEMUXERS, '-i', input_url(path)]
    try:
        done = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=PROBE_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise VideoRejected.because(TIMEOUT) from None
    stderr = done.stderr.decode('utf-8', 'replace')
    info = parse_probe_output(stderr)
    if info is None:
        # A real MP4 whose index (moov) was never written is damaged, not foreign.
        if 'moov atom not found' in stderr and _looks_like_iso_media(path):
            raise VideoRejected.because(CORRUPT)
        raise VideoRejected.because(NOT_MEDIA)
    return info


def _looks_like_iso_media(path) -> bool:
    with open(path, 'rb') as f:
        head = f.read(8)
    return head[4:8] in (b'ftyp', b'mdat', b'moov', b'free', b'wide', b'skip')


def validate_video(path, *, min_duration: float = MIN_DURATION_SECONDS,
                   decode_timeout: float | None = None) -> MediaInfo:
    """Probe, then decode the whole picture track once.

    The decode pass is what catches a truncated faststart MP4: its header is
    intact and reports the full duration.  Returns the MediaInfo, with the
    duration measured by decoding when the container does not state one.
    """
    info = probe(path)
    if not info.has_video:
        raise VideoRejected.because(AUDIO_ONLY if info.has_audio else NOT_MEDIA)
    if not info.width or not info.height:
        raise VideoRejected.because(CORRUPT)
    if max(info.width, info.height) > MAX_DIMENSION:
        raise VideoRejected.because(TOO_LARGE)
    if info.duration and info.duration < min_duration:
        raise VideoRejected.because(TOO_SHORT)
    if decode_timeout is None:
        # Decoding runs well above real time; unknown length gets an hour.
        decode_timeout = 60 + 2 * info.duration if info.duration else 3600
    args = [find_ffmpeg(), '-hide_banner', '-nostdin', '-nostats', '-v', 'error', '-xerror',
            '-format_whitelist', ALLOWED_DEMUXERS, '-i', input_url(path),
            '-map', f'0:{info.video_stream}', '-f', 'null', '-progress', 'pipe:1', '-']
    outcome = run_ffmpeg(args, decode_timeout)
    if outcome.timed_out:
        raise VideoRejected.because(TIMEOUT)
    if outcome.returncode != 0:
        raise VideoRejected.because(CORRUPT)
    duration = info.duration or round(outcome.out_time or 0.0, 3)
    if duration < min_duration:
        raise VideoRejected.because(TOO_SHORT)
    return dataclasses.replace(info, duration=duration)
