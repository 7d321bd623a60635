"""HLS packaging: remux finished MP4 renditions into segments and a master playlist."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Sequence

import ffmpeg

from mooc.video.processing.ffmpeg_runner import compile_command, input_url, raise_on_failure, run_ffmpeg
from mooc.video.processing.transcode_outputs import (HLS_AUDIO_DIR, HLS_DIR_NAME, HLS_MASTER_NAME,
                                                     Rendition, TranscodeResult, publish_outputs)


def make_hls(renditions: Sequence[Rendition] | TranscodeResult, out_dir, *,
             segment_seconds: float = 2, audio: Path | None = None) -> Path:
    """Remux MP4 renditions (-c copy) into ``out_dir/hls/{label}/`` + master.m3u8.

    Cheap (~0.2 s) because nothing is re-encoded; segment cuts land on the
    fixed keyframes transcode() put every ``keyint_seconds``.
    """
    if isinstance(renditions, TranscodeResult):
        audio = audio or renditions.audio
        renditions = renditions.renditions
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix='.hls-', dir=out_dir))
    try:
        build_hls(list(renditions), work / HLS_DIR_NAME, segment_seconds=segment_seconds,
                  audio=audio if audio is not None and Path(audio).is_file() else None)
        publish_outputs(work, out_dir, [], HLS_DIR_NAME)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out_dir / HLS_DIR_NAME / HLS_MASTER_NAME


def extract_audio(rendition: Rendition, target: Path) -> Path:
    """Copy a rendition's sound (no re-encoding) into an M4A for listening only."""
    stream = ffmpeg.input(input_url(rendition.path)).output(
        str(target), vn=None, c='copy', movflags='+faststart', map_metadata=-1)
    outcome = run_ffmpeg(compile_command(stream), 120 + rendition.size_bytes / 5_000_000)
    raise_on_failure(outcome, '提取音频')
    return target


def _segment(source: Path, variant: Path, segment_seconds: float, size_bytes: int) -> None:
    variant.mkdir()
    stream = ffmpeg.input(input_url(source)).output(
        str(variant / 'index.m3u8'), c='copy', format='hls', hls_time=segment_seconds,
        hls_playlist_type='vod', hls_flags='independent_segments',
        hls_segment_filename=str(variant / '%05d.ts'))
    outcome = run_ffmpeg(compile_command(stream), 120 + size_bytes / 5_000_000)
    raise_on_failure(outcome, '生成 HLS 分段')


def build_hls(renditions: list[Rendition], hls_dir: Path, *, segment_seconds: float,
              audio: Path | None = None) -> None:
    """Write one ``{label}/index.m3u8`` variant per rendition and the master playlist.

    The master lists the smallest picture first: players start there and step up as
    the measured bandwidth allows. The sound alone (``audio/index.m3u8``, from
    ``audio``) is deliberately not in the master — a player on a weak link must never
    fall back to a black screen by itself; the learner chooses 听党课.
    """
    hls_dir.mkdir()
    entries = []
    if audio is not None:
        _segment(audio, hls_dir / HLS_AUDIO_DIR, segment_seconds, audio.stat().st_size)
    for rendition in sorted(renditions, key=lambda r: r.label):
        variant = hls_dir / str(rendition.label)
        _segment(rendition.path, variant, segment_seconds, rendition.size_bytes)
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
