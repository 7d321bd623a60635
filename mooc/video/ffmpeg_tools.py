"""ffmpeg helpers for uploaded lecture videos.

Locate the binary, probe without ffprobe, reject broken uploads, transcode to
H.264/AAC MP4 renditions with a poster frame, and optionally remux to HLS.
Pure Python (no Flask, no database) so a background worker and the tests can
call it directly.  Every subprocess has a timeout.

Only output names defined here (``360.mp4``, ``poster.jpg``, ``hls/...``) are
ever written: nothing is derived from the uploader's file name.
"""
from __future__ import annotations

import collections
import dataclasses
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Sequence

import ffmpeg

PROBE_TIMEOUT_SECONDS = 30
MIN_DURATION_SECONDS = 1.0
MAX_DIMENSION = 8192
POSTER_NAME = 'poster.jpg'
POSTER_WIDTH = 640
HLS_DIR_NAME = 'hls'
HLS_MASTER_NAME = 'master.m3u8'
FALLBACK_FPS = 25.0

# Demuxers ffmpeg may use on an upload (-format_whitelist).  A playlist or
# concat file renamed to .mp4 could otherwise make ffmpeg read other local
# files or the network.  Audio containers stay allowed so that an audio-only
# upload gets the precise "只有音频" message instead of "无效文件".
ALLOWED_DEMUXERS = ','.join((
    'mov', 'matroska', 'avi', 'flv', 'mpegts', 'mpeg', 'asf', 'ogg', 'rm',
    'mxf', 'mp3', 'wav', 'aac', 'flac',
))

# (video kbit/s cap, audio kbit/s) per rendition label.  Video uses capped CRF:
# a lecture with static slides stays far below the cap, motion reaches it.
BITRATE_LADDER = {240: (400, 64), 360: (600, 64), 480: (1000, 96),
                  720: (1800, 96), 1080: (3500, 128)}

# Share of the progress bar for encoding; poster, HLS and publishing get the rest.
ENCODE_PROGRESS_SHARE = 95.0

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


class FFmpegNotFound(RuntimeError):
    """No usable ffmpeg binary: a deployment problem, not the uploader's."""


class VideoRejected(Exception):
    """The upload is not an acceptable video; ``message`` is shown to the user."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code

    @classmethod
    def because(cls, code: str) -> 'VideoRejected':
        return cls(REJECTION_MESSAGES[code], code)


class TranscodeError(Exception):
    """Transcoding failed; ``stderr`` holds the tail of ffmpeg's log for operators."""

    def __init__(self, message: str, stderr: str = ''):
        super().__init__(f'{message}\n{stderr}' if stderr else message)
        self.message = message
        self.stderr = stderr


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


@dataclasses.dataclass(frozen=True)
class Rendition:
    label: int                 # nominal size, 360 / 720; names the file
    path: Path
    width: int
    height: int
    video_kbps: int            # cap given to the encoder
    audio_kbps: int            # 0 when the source had no audio
    size_bytes: int = 0

    @property
    def filename(self) -> str:
        return rendition_filename(self.label)


@dataclasses.dataclass(frozen=True)
class TranscodeResult:
    renditions: list[Rendition]
    poster: Path
    duration: float            # measured on our own output, not client-supplied
    source: MediaInfo
    hls_master: Path | None
    elapsed_seconds: float


def rendition_filename(label: int) -> str:
    return f'{int(label)}.mp4'


# --------------------------------------------------------------------- binary

def find_ffmpeg() -> str:
    """$FFMPEG_BINARY, then ffmpeg on PATH, then the imageio-ffmpeg wheel's copy."""
    configured = os.environ.get('FFMPEG_BINARY')
    if configured:
        found = configured if os.path.isfile(configured) else shutil.which(configured)
        if found and os.access(found, os.X_OK):
            return found
        raise FFmpegNotFound(f'FFMPEG_BINARY 指向的文件不存在或不可执行：{configured}')
    on_path = shutil.which('ffmpeg')
    if on_path:
        return on_path
    try:
        import imageio_ffmpeg
        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise FFmpegNotFound('找不到 ffmpeg：请安装 imageio-ffmpeg，或设置 FFMPEG_BINARY 环境变量') from exc


def _input_url(path) -> str:
    # "file:" stops ffmpeg from reading a path like "concat:..." as a protocol.
    return 'file:' + os.path.abspath(path)


@dataclasses.dataclass
class _Outcome:
    returncode: int
    stderr: str
    out_time: float | None
    timed_out: bool


def _run_ffmpeg(args: list[str], timeout: float,
                on_out_time: Callable[[float], None] | None = None) -> _Outcome:
    """Run ffmpeg (with ``-progress pipe:1``) and kill it after ``timeout`` s.

    ffmpeg.run() has no timeout, so commands built with ffmpeg-python are run
    here.  stderr is drained on a thread so a chatty ffmpeg cannot block on a
    full pipe; only its tail is kept.  If ``on_out_time`` raises (e.g. the job
    was cancelled), ffmpeg is killed and the exception propagates.
    """
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tail: collections.deque[bytes] = collections.deque(maxlen=40)
    drain = threading.Thread(target=lambda: tail.extend(proc.stderr), daemon=True)
    drain.start()
    timed_out = threading.Event()

    def kill_on_timeout():
        timed_out.set()
        proc.kill()

    timer = threading.Timer(timeout, kill_on_timeout)
    timer.start()
    out_time = None
    try:
        for raw in proc.stdout:
            key, _, value = raw.decode('ascii', 'replace').strip().partition('=')
            # out_time_ms is in microseconds too (a historic ffmpeg quirk).
            if key in ('out_time_us', 'out_time_ms') and value.isdigit():
                out_time = int(value) / 1_000_000
                if on_out_time is not None:
                    on_out_time(out_time)
        proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        timer.cancel()
        drain.join(timeout=5)
    stderr = b''.join(tail).decode('utf-8', 'replace')
    return _Outcome(proc.returncode, stderr, out_time, timed_out.is_set())


def _compile(stream) -> list[str]:
    stream = stream.global_args('-hide_banner', '-nostdin', '-nostats', '-progress', 'pipe:1')
    return ffmpeg.compile(stream, cmd=find_ffmpeg(), overwrite_output=True)


# ---------------------------------------------------------------------- probe

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
            '-format_whitelist', ALLOWED_DEMUXERS, '-i', _input_url(path)]
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
            '-format_whitelist', ALLOWED_DEMUXERS, '-i', _input_url(path),
            '-map', f'0:{info.video_stream}', '-f', 'null', '-progress', 'pipe:1', '-']
    outcome = _run_ffmpeg(args, decode_timeout)
    if outcome.timed_out:
        raise VideoRejected.because(TIMEOUT)
    if outcome.returncode != 0:
        raise VideoRejected.because(CORRUPT)
    duration = info.duration or round(outcome.out_time or 0.0, 3)
    if duration < min_duration:
        raise VideoRejected.because(TOO_SHORT)
    return dataclasses.replace(info, duration=duration)


# ------------------------------------------------------------------ transcode

@dataclasses.dataclass(frozen=True)
class RenditionPlan:
    label: int
    width: int
    height: int


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def _even_floor(value: int) -> int:
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
        return [RenditionPlan(labels[0], _even_floor(width), _even_floor(height))]
    plans = []
    for label in fitting:
        new_short, new_long = _even(label), _even(long_ * label / short)
        w, h = (new_long, new_short) if width >= height else (new_short, new_long)
        plans.append(RenditionPlan(label, w, h))
    return plans


def bitrates_for(label: int) -> tuple[int, int]:
    if label in BITRATE_LADDER:
        return BITRATE_LADDER[label]
    # Between ladder rungs: scale 720p's cap by the pixel-count ratio, damped.
    return int(1800 * (label / 720) ** 1.5), (64 if label < 480 else 96)


class _Progress:
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
              timeout: float | None = None) -> TranscodeResult:
    """Encode ``src`` into ``out_dir/{label}.mp4`` + ``poster.jpg`` (+ ``hls/``).

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
    report = _Progress(progress)
    report(0)
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix='.transcode-', dir=out_dir))
    try:
        renditions = _encode(src, info, plans, work, preset, keyint_seconds, timeout, report)
        poster = _make_poster(src, info, work / POSTER_NAME)
        report(ENCODE_PROGRESS_SHARE + 2)
        duration = probe(renditions[0].path).duration
        if hls:
            _build_hls(renditions, work / HLS_DIR_NAME, segment_seconds=keyint_seconds)
            report(ENCODE_PROGRESS_SHARE + 4)
        published = _publish(work, out_dir, [r.filename for r in renditions] + [poster.name],
                             HLS_DIR_NAME if hls else None)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(100)
    return TranscodeResult(
        renditions=[dataclasses.replace(r, path=published / r.filename) for r in renditions],
        poster=published / POSTER_NAME, duration=duration, source=info,
        hls_master=published / HLS_DIR_NAME / HLS_MASTER_NAME if hls else None,
        elapsed_seconds=round(time.monotonic() - started, 3))


def _encode(src, info: MediaInfo, plans: list[RenditionPlan], work: Path, preset: str,
            keyint_seconds: float, timeout: float | None, report: _Progress) -> list[Rendition]:
    fps = info.fps or FALLBACK_FPS
    source = ffmpeg.input(_input_url(src), format_whitelist=ALLOWED_DEMUXERS)
    video = source[str(info.video_stream)]
    if info.interlaced:
        video = video.filter('yadif')
    if fps > 60:
        # Keeps the keyframe interval and the H.264 level sensible for 120 fps phone clips.
        fps = 30.0
        video = video.filter('fps', 30)
    # One decode feeds every rendition: split the picture, and the sound.
    videos = _branches(video, 'split', len(plans))
    audios = [None] * len(plans)
    if info.has_audio:
        audio = source[str(info.audio_stream)].filter('aformat', channel_layouts='mono|stereo')
        audios = _branches(audio, 'asplit', len(plans))
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
        streams = [branch.filter('scale', plan.width, plan.height).filter('setsar', 1)]
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

    outcome = _run_ffmpeg(_compile(ffmpeg.merge_outputs(*outputs)), timeout, on_out_time)
    _raise_on_failure(outcome, '视频转码')
    report(ENCODE_PROGRESS_SHARE)
    return [dataclasses.replace(r, size_bytes=r.path.stat().st_size) for r in renditions]


def _branches(stream, split_filter: str, count: int) -> list:
    if count == 1:
        return [stream]
    node = stream.filter_multi_output(split_filter, count)
    return [node.stream(i) for i in range(count)]


def _raise_on_failure(outcome: _Outcome, what: str) -> None:
    if outcome.timed_out:
        raise TranscodeError(f'{what}超时', outcome.stderr)
    if outcome.returncode != 0:
        raise TranscodeError(f'{what}失败（ffmpeg 退出码 {outcome.returncode}）', outcome.stderr)


def _make_poster(src, info: MediaInfo, target: Path) -> Path:
    width = min(POSTER_WIDTH, _even_floor(info.width))
    height = _even(info.height * width / info.width)
    # Middle of a short clip, 5 s into a long one (past fade-ins, before slides change).
    offsets = [min(5.0, info.duration / 2)] if info.duration else []
    for offset in offsets + [0.0]:
        stream = (ffmpeg.input(_input_url(src), ss=offset, format_whitelist=ALLOWED_DEMUXERS)
                  [str(info.video_stream)]
                  .filter('scale', width, height).filter('setsar', 1)
                  .output(str(target), **{'frames:v': 1, 'q:v': 3, 'update': 1}))
        outcome = _run_ffmpeg(_compile(stream), PROBE_TIMEOUT_SECONDS * 2)
        _raise_on_failure(outcome, '生成封面')
        if target.exists() and target.stat().st_size > 0:
            return target
    raise TranscodeError('生成封面失败：无法读取视频画面')


def _publish(work: Path, out_dir: Path, files: list[str], directory: str | None) -> Path:
    """Rename finished outputs into out_dir (same file system: atomic per entry)."""
    for name in files:
        os.replace(work / name, out_dir / name)
    if directory:
        final = out_dir / directory
        if final.exists():
            final.rename(work / f'{directory}.old')   # removed with the work dir
        (work / directory).rename(final)
    return out_dir


# ------------------------------------------------------------------------ HLS

def make_hls(renditions: Sequence[Rendition] | TranscodeResult, out_dir, *,
             segment_seconds: float = 2) -> Path:
    """Remux MP4 renditions (-c copy) into ``out_dir/hls/{label}/`` + master.m3u8.

    Cheap (~0.2 s) because nothing is re-encoded; segment cuts land on the
    fixed keyframes transcode() put every ``keyint_seconds``.
    """
    if isinstance(renditions, TranscodeResult):
        renditions = renditions.renditions
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix='.hls-', dir=out_dir))
    try:
        _build_hls(list(renditions), work / HLS_DIR_NAME, segment_seconds=segment_seconds)
        _publish(work, out_dir, [], HLS_DIR_NAME)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out_dir / HLS_DIR_NAME / HLS_MASTER_NAME


def _build_hls(renditions: list[Rendition], hls_dir: Path, *, segment_seconds: float) -> None:
    hls_dir.mkdir()
    entries = []
    for rendition in sorted(renditions, key=lambda r: r.label):
        variant = hls_dir / str(rendition.label)
        variant.mkdir()
        stream = ffmpeg.input(_input_url(rendition.path)).output(
            str(variant / 'index.m3u8'), c='copy', format='hls', hls_time=segment_seconds,
            hls_playlist_type='vod', hls_flags='independent_segments',
            hls_segment_filename=str(variant / '%05d.ts'))
        outcome = _run_ffmpeg(_compile(stream), 120 + rendition.size_bytes / 5_000_000)
        _raise_on_failure(outcome, '生成 HLS 分段')
        peak, average = _variant_bandwidth(variant / 'index.m3u8')
        attributes = [f'BANDWIDTH={peak}', f'AVERAGE-BANDWIDTH={average}',
                      f'RESOLUTION={rendition.width}x{rendition.height}']
        codecs = _codecs_attribute(rendition.path, rendition.audio_kbps > 0)
        if codecs:
            attributes.append(f'CODECS="{codecs}"')
        entries.append(f'#EXT-X-STREAM-INF:{",".join(attributes)}\n{rendition.label}/index.m3u8')
    master = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS', *entries]
    (hls_dir / HLS_MASTER_NAME).write_text('\n'.join(master) + '\n', encoding='utf-8')


def _variant_bandwidth(playlist: Path) -> tuple[int, int]:
    """(peak, average) bit/s over the segments, as HLS BANDWIDTH wants the peak."""
    peak = total_bits = total_seconds = 0.0
    seconds = None
    for line in playlist.read_text(encoding='utf-8').splitlines():
        if line.startswith('#EXTINF:'):
            seconds = float(line[8:].split(',', 1)[0])
        elif line and not line.startswith('#') and seconds:
            bits = (playlist.parent / line).stat().st_size * 8
            peak = max(peak, bits / seconds)
            total_bits += bits
            total_seconds += seconds
            seconds = None
    average = total_bits / total_seconds if total_seconds else 0
    return int(peak) + 1, int(average) + 1


def _codecs_attribute(mp4: Path, has_audio: bool) -> str | None:
    """RFC 6381 codec string from the avcC box (moov is at the front: faststart)."""
    with open(mp4, 'rb') as f:
        head = f.read(4 * 1024 * 1024)
    at = head.find(b'avcC')
    if at < 0 or len(head) < at + 8:
        return None
    profile, compatibility, level = head[at + 5], head[at + 6], head[at + 7]
    codecs = f'avc1.{profile:02x}{compatibility:02x}{level:02x}'
    return codecs + ',mp4a.40.2' if has_audio else codecs
