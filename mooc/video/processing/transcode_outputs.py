"""The files a transcode produces, and how they are put in place.

Only output names defined here (``360.mp4``, ``poster.jpg``, ``hls/...``) are
ever written: nothing is derived from the uploader's file name.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from mooc.video.processing.media_probe import MediaInfo

POSTER_NAME = 'poster.jpg'
HLS_DIR_NAME = 'hls'
HLS_MASTER_NAME = 'master.m3u8'
AUDIO_NAME = 'audio.m4a'            # 听党课: the sound alone
HLS_AUDIO_DIR = 'audio'             # hls/audio/index.m3u8


def rendition_filename(label: int) -> str:
    return f'{int(label)}.mp4'


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
    audio: Path | None = None


def publish_outputs(work: Path, out_dir: Path, files: list[str], directory: str | None) -> Path:
    """Rename finished outputs into out_dir (same file system: atomic per entry)."""
    for name in files:
        os.replace(work / name, out_dir / name)
    if directory:
        final = out_dir / directory
        if final.exists():
            final.rename(work / f'{directory}.old')   # removed with the work dir
        (work / directory).rename(final)
    return out_dir
