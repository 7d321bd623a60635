"""Find the ffmpeg binary and run it safely: restricted input, timeout, progress.

Pure Python (no Flask, no database) so a background worker and the tests can
call it directly.  Every subprocess has a timeout.
"""
from __future__ import annotations

import collections
import dataclasses
import os
import shutil
import subprocess
import threading
from typing import Callable

import ffmpeg

# Demuxers ffmpeg may use on an upload (-format_whitelist).  A playlist or
# concat file renamed to .mp4 could otherwise make ffmpeg read other local
# files or the network.  Audio containers stay allowed so that an audio-only
# upload gets the precise "只有音频" message instead of "无效文件".
ALLOWED_DEMUXERS = ','.join((
    'mov', 'matroska', 'avi', 'flv', 'mpegts', 'mpeg', 'asf', 'ogg', 'rm',
    'mxf', 'mp3', 'wav', 'aac', 'flac',
))


class FFmpegNotFound(RuntimeError):
    """No usable ffmpeg binary: a deployment problem, not the uploader's."""


class TranscodeError(Exception):
    """Transcoding failed; ``stderr`` holds the tail of ffmpeg's log for operators."""

    def __init__(self, message: str, stderr: str = ''):
        super().__init__(f'{message}\n{stderr}' if stderr else message)
        self.message = message
        self.stderr = stderr


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


def input_url(path) -> str:
    # "file:" stops ffmpeg from reading a path like "concat:..." as a protocol.
    return 'file:' + os.path.abspath(path)


@dataclasses.dataclass
class FFmpegOutcome:
    returncode: int
    stderr: str
    out_time: float | None
    timed_out: bool


def run_ffmpeg(args: list[str], timeout: float,
               on_out_time: Callable[[float], None] | None = None) -> FFmpegOutcome:
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
    return FFmpegOutcome(proc.returncode, stderr, out_time, timed_out.is_set())


def compile_command(stream) -> list[str]:
    """The argv for an ffmpeg-python graph, reporting progress on stdout for run_ffmpeg."""
    stream = stream.global_args('-hide_banner', '-nostdin', '-nostats', '-progress', 'pipe:1')
    return ffmpeg.compile(stream, cmd=find_ffmpeg(), overwrite_output=True)


def raise_on_failure(outcome: FFmpegOutcome, what: str) -> None:
    """TranscodeError naming the step (``what``) when ffmpeg timed out or failed."""
    if outcome.timed_out:
        raise TranscodeError(f'{what}超时', outcome.stderr)
    if outcome.returncode != 0:
        raise TranscodeError(f'{what}失败（ffmpeg 退出码 {outcome.returncode}）', outcome.stderr)
