"""One import for the ffmpeg helpers, for callers written as ``ffmpeg_tools.<name>``.

The helpers live in modules named for what they do:

* ffmpeg_runner      — find the binary, run it with a timeout on restricted input;
* media_probe        — what an upload is (probe) and whether it is acceptable
                       (validate_video, VideoRejected and its codes);
* rendition_plan     — which sizes to encode and at what bitrates;
* transcode_pipeline — transcode(): MP4 renditions + poster (+ HLS), published atomically;
* transcode_outputs  — the output file names and result records;
* poster_frame       — the poster image;
* hls_packaging      — make_hls(): remux renditions into HLS.

New code should import from those modules directly.
"""
from __future__ import annotations

from mooc.video.processing.ffmpeg_runner import (ALLOWED_DEMUXERS, FFmpegNotFound, TranscodeError,
                                      find_ffmpeg)
from mooc.video.processing.hls_packaging import make_hls
from mooc.video.processing.media_probe import (AUDIO_ONLY, CORRUPT, EMPTY, MAX_DIMENSION,
                                    MIN_DURATION_SECONDS, NOT_MEDIA, PROBE_TIMEOUT_SECONDS,
                                    REJECTION_MESSAGES, TIMEOUT, TOO_LARGE, TOO_SHORT, MediaInfo,
                                    VideoRejected, parse_probe_output, probe, validate_video)
from mooc.video.processing.poster_frame import POSTER_WIDTH
from mooc.video.processing.rendition_plan import BITRATE_LADDER, RenditionPlan, bitrates_for, plan_renditions
from mooc.video.processing.transcode_outputs import (HLS_DIR_NAME, HLS_MASTER_NAME, POSTER_NAME, Rendition,
                                          TranscodeResult, rendition_filename)
from mooc.video.processing.transcode_pipeline import ENCODE_PROGRESS_SHARE, FALLBACK_FPS, transcode

__all__ = [
    'ALLOWED_DEMUXERS', 'AUDIO_ONLY', 'BITRATE_LADDER', 'CORRUPT', 'EMPTY',
    'ENCODE_PROGRESS_SHARE', 'FALLBACK_FPS', 'FFmpegNotFound', 'HLS_DIR_NAME',
    'HLS_MASTER_NAME', 'MAX_DIMENSION', 'MIN_DURATION_SECONDS', 'MediaInfo', 'NOT_MEDIA',
    'POSTER_NAME', 'POSTER_WIDTH', 'PROBE_TIMEOUT_SECONDS', 'REJECTION_MESSAGES', 'Rendition',
    'RenditionPlan', 'TIMEOUT', 'TOO_LARGE', 'TOO_SHORT', 'TranscodeError', 'TranscodeResult',
    'VideoRejected', 'bitrates_for', 'find_ffmpeg', 'make_hls', 'parse_probe_output',
    'plan_renditions', 'probe', 'rendition_filename', 'transcode', 'validate_video',
]
