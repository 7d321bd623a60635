"""Real ffmpeg on tiny generated clips (see clips.py): probe, rejections, transcode, HLS."""
from __future__ import annotations

import os
import shutil

import pytest
from PIL import Image

from mooc.video.processing import ffmpeg_tools as ft
from tests.video.clips import clip, keyframe_times, top_level_boxes

FAST = {'preset': 'ultrafast'}


# ------------------------------------------------------------------ binary

def test_find_ffmpeg_prefers_env_then_falls_back(monkeypatch, tmp_path):
    real = ft.find_ffmpeg()
    assert os.access(real, os.X_OK)
    monkeypatch.setenv('FFMPEG_BINARY', real)
    assert ft.find_ffmpeg() == real
    monkeypatch.setenv('FFMPEG_BINARY', str(tmp_path / 'missing-ffmpeg'))
    with pytest.raises(ft.FFmpegNotFound, match='FFMPEG_BINARY'):
        ft.find_ffmpeg()
    monkeypatch.delenv('FFMPEG_BINARY')
    monkeypatch.setenv('PATH', str(tmp_path))          # no ffmpeg on PATH: the wheel's copy
    assert os.access(ft.find_ffmpeg(), os.X_OK)


# ------------------------------------------------------------------- probe

def test_probe_reads_streams_and_duration():
    info = ft.probe(clip('small.mp4'))
    assert info.duration == pytest.approx(3.0, abs=0.1)
    assert (info.width, info.height) == (320, 240)
    assert info.has_video and info.has_audio
    assert (info.video_codec, info.audio_codec) == ('h264', 'aac')
    assert info.fps == 25
    assert 'mp4' in info.container


def test_probe_video_without_audio():
    info = ft.probe(clip('silent.mp4'))
    assert info.has_video and not info.has_audio and info.audio_codec is None
    assert (info.width, info.height) == (640, 360)


def test_probe_treats_cover_art_as_no_picture():
    info = ft.probe(clip('audio_cover.m4a'))
    assert info.has_audio and not info.has_video


CANNED = """Input #0, matroska,webm, from 'file:/x/source':
  Duration: N/A, start: 0.000000, bitrate: N/A
  Stream #0:0(eng): Audio: opus, 48000 Hz, stereo, fltp (default)
  Stream #0:1: Video: mjpeg (Baseline), yuvj420p(pc), 300x300, 90k tbr, 90k tbn (attached pic)
  Stream #0:2[0x1e0](chi): Video: mpeg2video (Main) (avc1 / 0x0021), yuv420p(tv, top first), 720x576 [SAR 16:15 DAR 4:3], 29.97 fps, 29.97 tbr, 90k tbn
    Metadata:
      handler_name    : VideoHandler
    Side data:
      Display Matrix: rotation of -90.00 degrees
At least one output file must be specified
"""


def test_parse_probe_output_handles_rotation_sar_cover_and_missing_duration():
    info = ft.parse_probe_output(CANNED)
    assert info.container == 'matroska,webm'
    assert info.duration == 0.0
    assert (info.video_stream, info.audio_stream) == (2, 0)
    assert (info.video_codec, info.audio_codec) == ('mpeg2video', 'opus')
    # 720 * 16/15 = 768 wide, then rotated by 90 degrees.
    assert (info.width, info.height) == (576, 768)
    assert info.fps == pytest.approx(29.97)
    assert info.interlaced
    assert ft.parse_probe_output('Error opening input file x.\n') is None


# ---------------------------------------------------------------- rejection

@pytest.mark.parametrize('name, code, message', [
    ('empty.mp4', ft.EMPTY, '文件为空'),
    ('text.mp4', ft.NOT_MEDIA, '不是有效的视频文件'),
    ('audio.m4a', ft.AUDIO_ONLY, '只有音频，没有画面'),
    ('audio_cover.m4a', ft.AUDIO_ONLY, '只有音频，没有画面'),
    ('truncated_small.mp4', ft.CORRUPT, '视频文件不完整或已损坏'),   # moov atom not found
    ('truncated_hd.mp4', ft.CORRUPT, '视频文件不完整或已损坏'),      # only the decode pass sees it
    ('blip.mp4', ft.TOO_SHORT, '视频时长过短'),
])
def test_validate_video_rejects(name, code, message):
    with pytest.raises(ft.VideoRejected) as caught:
        ft.validate_video(clip(name))
    assert caught.value.code == code
    assert message in caught.value.message


def test_truncated_faststart_mp4_still_probes_but_fails_validation():
    assert ft.probe(clip('truncated_hd.mp4')).duration == pytest.approx(3.0, abs=0.1)
    with pytest.raises(ft.VideoRejected):
        ft.validate_video(clip('truncated_hd.mp4'))


def test_playlist_disguised_as_mp4_is_not_opened(tmp_path):
    # An HLS playlist could make ffmpeg read other local files; the demuxer whitelist refuses it.
    shutil.copy(clip('small.mp4'), tmp_path / 'secret.mp4')
    fake = tmp_path / 'upload.mp4'
    fake.write_text('#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXTINF:3,\nsecret.mp4\n#EXT-X-ENDLIST\n')
    with pytest.raises(ft.VideoRejected) as caught:
        ft.validate_video(fake)
    assert caught.value.code == ft.NOT_MEDIA


def test_duration_is_measured_when_the_container_has_none(tmp_path):
    assert ft.probe(clip('recorded.webm')).duration == 0.0
    info = ft.validate_video(clip('recorded.webm'))
    assert info.duration == pytest.approx(2.0, abs=0.1)
    result = ft.transcode(clip('recorded.webm'), tmp_path, info=info, **FAST)
    assert result.duration == pytest.approx(2.0, abs=0.1)
    assert ft.probe(result.renditions[0].path).audio_codec == 'aac'


def test_validate_video_accepts_good_clip():
    info = ft.validate_video(clip('small.mp4'))
    assert info.has_video and info.duration == pytest.approx(3.0, abs=0.1)


# ---------------------------------------------------------------- planning

@pytest.mark.parametrize('size, expected', [
    ((1920, 1080), [(360, 640, 360), (720, 1280, 720)]),
    ((1280, 720), [(360, 640, 360), (720, 1280, 720)]),
    ((854, 480), [(360, 640, 360)]),                    # never upscaled to 720
    ((320, 240), [(360, 320, 240)]),                    # smaller than 360: own size, lowest name
    ((321, 241), [(360, 320, 240)]),                    # even dimensions for H.264
    ((720, 1280), [(360, 360, 640), (720, 720, 1280)]),  # portrait: label is the short side
])
def test_plan_renditions(size, expected):
    plans = ft.plan_renditions(*size, (720, 360))
    assert [(p.label, p.width, p.height) for p in plans] == expected


# --------------------------------------------------------------- transcode

def _assert_jpeg(path, size):
    with Image.open(path) as image:
        assert (image.format, image.size) == ('JPEG', size)


def _no_leftovers(out_dir):
    return not [p for p in out_dir.iterdir() if p.name.startswith('.')]


def test_transcode_small_source_gives_single_360_rendition(tmp_path):
    seen = []
    result = ft.transcode(clip('small.mp4'), tmp_path, progress=seen.append, **FAST)
    assert [r.filename for r in result.renditions] == ['360.mp4']
    rendition = result.renditions[0]
    assert (rendition.width, rendition.height) == (320, 240)
    info = ft.probe(tmp_path / '360.mp4')
    assert (info.width, info.height, info.video_codec, info.audio_codec) == (320, 240, 'h264', 'aac')
    assert result.duration == pytest.approx(3.0, abs=0.1)
    # Faststart: the index comes before the media data so playback starts at once.
    boxes = top_level_boxes(tmp_path / '360.mp4')
    assert boxes.index('moov') < boxes.index('mdat')
    _assert_jpeg(result.poster, (320, 240))
    assert seen[-1] == 100 and seen == sorted(seen)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['360.mp4', 'poster.jpg']


def test_transcode_hd_source_with_fixed_keyframes_and_hls(tmp_path):
    seen = []
    result = ft.transcode(clip('hd.mp4'), tmp_path, keyint_seconds=1, hls=True,
                          progress=seen.append, **FAST)
    assert [(r.filename, r.width, r.height) for r in result.renditions] == [
        ('360.mp4', 640, 360), ('720.mp4', 1280, 720)]
    assert seen[-1] == 100
    for rendition in result.renditions:
        assert rendition.path == tmp_path / rendition.filename
        assert rendition.size_bytes == rendition.path.stat().st_size > 0
        boxes = top_level_boxes(rendition.path)
        assert boxes.index('moov') < boxes.index('mdat')
        # Keyframes at 0, 1, 2 s regardless of scene content (-g 30 -sc_threshold 0 at 30 fps).
        assert keyframe_times(rendition.path) == pytest.approx([0.0, 1.0, 2.0], abs=0.05)
    _assert_jpeg(result.poster, (640, 360))
    master = result.hls_master.read_text()
    assert result.hls_master == tmp_path / 'hls' / 'master.m3u8'
    assert master.startswith('#EXTM3U')
    assert 'RESOLUTION=640x360' in master and 'RESOLUTION=1280x720' in master
    assert '360/index.m3u8' in master and 'CODECS="avc1.' in master
    media = (tmp_path / 'hls' / '720' / 'index.m3u8').read_text()
    assert '#EXT-X-ENDLIST' in media and '/' not in media.replace('#', '')  # relative names only
    assert len(list((tmp_path / 'hls' / '720').glob('*.ts'))) >= 2
    assert _no_leftovers(tmp_path)


def test_make_hls_again_replaces_previous_playlists(tmp_path):
    result = ft.transcode(clip('silent.mp4'), tmp_path, **FAST)
    first = ft.make_hls(result, tmp_path)
    (tmp_path / 'hls' / 'stale.txt').write_text('old')
    second = ft.make_hls(result, tmp_path)
    assert first == second and second.exists()
    assert not (tmp_path / 'hls' / 'stale.txt').exists()
    assert 'mp4a' not in second.read_text()     # no audio track, no audio codec advertised
    assert _no_leftovers(tmp_path)


def test_transcode_video_without_audio(tmp_path):
    result = ft.transcode(clip('silent.mp4'), tmp_path, **FAST)
    assert [r.filename for r in result.renditions] == ['360.mp4']
    info = ft.probe(result.renditions[0].path)
    assert info.has_video and not info.has_audio
    assert result.renditions[0].audio_kbps == 0


def test_transcode_portrait_keeps_orientation(tmp_path):
    result = ft.transcode(clip('portrait.mp4'), tmp_path, **FAST)
    assert [(r.label, r.width, r.height) for r in result.renditions] == [(360, 360, 640)]
    with Image.open(result.poster) as poster:
        assert poster.size == (360, 640)              # not upscaled to 640 wide


def test_transcode_failure_reports_stderr_and_leaves_nothing(tmp_path):
    with pytest.raises(ft.TranscodeError) as caught:
        ft.transcode(clip('small.mp4'), tmp_path, preset='no-such-preset')
    assert caught.value.message.startswith('视频转码失败')
    assert 'no-such-preset' in caught.value.stderr or 'preset' in caught.value.stderr.lower()
    assert list(tmp_path.iterdir()) == []


def test_transcode_rejects_non_video(tmp_path):
    with pytest.raises(ft.TranscodeError, match='不是有效的视频文件'):
        ft.transcode(clip('text.mp4'), tmp_path, **FAST)
    with pytest.raises(ft.TranscodeError, match='只有音频'):
        ft.transcode(clip('audio.m4a'), tmp_path, **FAST)
    assert list(tmp_path.iterdir()) == []


def test_transcode_timeout_kills_ffmpeg(tmp_path):
    with pytest.raises(ft.TranscodeError, match='超时'):
        ft.transcode(clip('hd.mp4'), tmp_path, timeout=0.05, **FAST)
    assert list(tmp_path.iterdir()) == []


def test_progress_callback_can_cancel(tmp_path):
    class Cancelled(Exception):
        pass

    def cancel(pct):
        if pct > 0:
            raise Cancelled

    with pytest.raises(Cancelled):
        ft.transcode(clip('hd.mp4'), tmp_path, progress=cancel, **FAST)
    assert list(tmp_path.iterdir()) == []
