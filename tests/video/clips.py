"""Tiny media files for the video tests, generated once per test session.

ffmpeg's lavfi sources (testsrc + sine) make real H.264/AAC files in well
under a second each.  They are cached in one temporary directory per process
(removed at exit) so every test can ask for them without re-encoding; tests
must treat them as read-only and copy before modifying.
"""
from __future__ import annotations

import atexit
import re
import shutil
import struct
import subprocess
import tempfile
import threading
from pathlib import Path

from mooc.video.processing.ffmpeg_runner import find_ffmpeg

_cache_dir: Path | None = None
_lock = threading.RLock()   # recipes call clip() for their source


def _dir() -> Path:
    global _cache_dir
    if _cache_dir is None:
        _cache_dir = Path(tempfile.mkdtemp(prefix='mooc-test-clips-'))
        atexit.register(shutil.rmtree, _cache_dir, True)
    return _cache_dir


def _ffmpeg(*args: str) -> None:
    subprocess.run([find_ffmpeg(), '-hide_banner', '-nostdin', '-loglevel', 'error', '-y', *args],
                   check=True, timeout=60, stdin=subprocess.DEVNULL)


def _video_args(size: str, seconds: float, rate: int = 25) -> list[str]:
    return ['-f', 'lavfi', '-i', f'testsrc=size={size}:rate={rate}:duration={seconds}']


def _audio_args(seconds: float) -> list[str]:
    return ['-f', 'lavfi', '-i', f'sine=frequency=440:sample_rate=44100:duration={seconds}']


_H264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p']
_AAC = ['-c:a', 'aac', '-b:a', '64k']


def _make_small(path):        # 3 s 320x240 with sound, moov at the end (no faststart)
    _ffmpeg(*_video_args('320x240', 3), *_audio_args(3), *_H264, *_AAC, '-shortest', str(path))


def _make_hd(path):           # 3 s 1280x720 at 30 fps with sound, faststart
    _ffmpeg(*_video_args('1280x720', 3, rate=30), *_audio_args(3), *_H264, *_AAC,
            '-shortest', '-movflags', '+faststart', str(path))


def _make_silent(path):       # 2 s 640x360, no audio track
    _ffmpeg(*_video_args('640x360', 2), *_H264, str(path))


def _make_portrait(path):     # 2 s 360x640 (a phone held upright)
    _ffmpeg(*_video_args('360x640', 2), *_audio_args(2), *_H264, *_AAC, '-shortest', str(path))


def _make_lecture(path):      # 12 s 1280x720 with sound: long enough to play on a slow link
    _ffmpeg(*_video_args('1280x720', 12), *_audio_args(12), *_H264, *_AAC, '-shortest',
            '-movflags', '+faststart', str(path))


def _make_blip(path):         # 0.4 s: shorter than the minimum
    _ffmpeg(*_video_args('320x240', 0.4), *_H264, str(path))


def _make_audio_only(path):   # 2 s AAC in .m4a
    _ffmpeg(*_audio_args(2), *_AAC, str(path))


def _make_audio_with_cover(path):   # m4a with cover art: a "video" stream that is no picture track
    _ffmpeg(*_audio_args(2), *_video_args('64x64', 1), '-map', '0', '-map', '1',
            *_AAC, '-c:v', 'mjpeg', '-frames:v', '1', '-disposition:v', 'attached_pic', str(path))


def _make_recorded(path):     # like a browser MediaRecorder upload: VP8/Opus WebM, no duration
    # Written to a pipe, so the muxer cannot seek back to store the duration.
    with open(path, 'wb') as out:
        subprocess.run([find_ffmpeg(), '-hide_banner', '-nostdin', '-loglevel', 'error',
                        *_video_args('320x240', 2), *_audio_args(2), '-c:v', 'libvpx',
                        '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus',
                        '-shortest', '-f', 'webm', 'pipe:1'],
                       check=True, timeout=60, stdin=subprocess.DEVNULL, stdout=out)


def _make_text(path):
    path.write_text('这不是视频，只是改了扩展名的文本文件。\n' * 20, encoding='utf-8')


def _make_empty(path):
    path.write_bytes(b'')


def _make_truncated_small(path):   # moov atom at the end gets cut off
    data = clip('small.mp4').read_bytes()
    path.write_bytes(data[:len(data) // 2])


def _make_truncated_hd(path):      # faststart: header intact, media data cut in half
    data = clip('hd.mp4').read_bytes()
    path.write_bytes(data[:len(data) // 2])


_RECIPES = {
    'small.mp4': _make_small,
    'hd.mp4': _make_hd,
    'silent.mp4': _make_silent,
    'portrait.mp4': _make_portrait,
    'blip.mp4': _make_blip,
    'lecture.mp4': _make_lecture,
    'audio.m4a': _make_audio_only,
    'audio_cover.m4a': _make_audio_with_cover,
    'recorded.webm': _make_recorded,
    'text.mp4': _make_text,
    'empty.mp4': _make_empty,
    'truncated_small.mp4': _make_truncated_small,
    'truncated_hd.mp4': _make_truncated_hd,
}


def clip(name: str) -> Path:
    """Path to a cached test clip, generating it on first use."""
    with _lock:
        path = _dir() / name
        if not path.exists():
            partial = path.with_name('.partial-' + name)
            _RECIPES[name](partial)
            partial.rename(path)
        return path


# ------------------------------------------------------------- inspection

def top_level_boxes(path) -> list[str]:
    """MP4 top-level box types in file order (e.g. ftyp, moov, mdat)."""
    boxes = []
    with open(path, 'rb') as f:
        while True:
            header = f.read(8)
            if len(header) < 8:
                return boxes
            size, kind = struct.unpack('>I4s', header)
            if size == 1:
                size = struct.unpack('>Q', f.read(8))[0] - 8
            elif size == 0:
                boxes.append(kind.decode('latin-1'))
                return boxes
            boxes.append(kind.decode('latin-1'))
            f.seek(size - 8, 1)


def keyframe_times(path) -> list[float]:
    """Presentation times of the key frames, decoding only those (showinfo)."""
    done = subprocess.run(
        [find_ffmpeg(), '-hide_banner', '-nostdin', '-skip_frame', 'nokey', '-i', str(path),
         '-map', '0:v:0', '-vf', 'showinfo', '-f', 'null', '-'],
        capture_output=True, timeout=60, check=True)
    log = done.stderr.decode('utf-8', 'replace')
    return [float(t) for t in re.findall(r'pts_time:\s*([\d.]+)', log)]
