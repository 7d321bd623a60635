"""The adaptive ladder (issue 19): 240p/360p/720p + the sound alone from one ffmpeg run,
signed HLS for every playlist and segment, and the background upgrade of older videos."""
import subprocess

import pytest

from mooc.core import storage
from mooc.core.models import BackgroundJob
from mooc.core.registry import contributions
from mooc.extensions import db
from mooc.video import ladder, services
from mooc.video.processing import ffmpeg_tools as ft
from mooc.video.processing.ffmpeg_runner import find_ffmpeg
from mooc.video.processing.rendition_plan import DEFAULT_LADDER, LADDER_VERSION
from tests.catalog_factories import make_course, make_lesson
from tests.video.clips import clip
from tests.video.test_video_media import FakeClock, signed_client

pytestmark = pytest.mark.slow


def _streams(path):
    """'Video:'/'Audio:' stream kinds ffmpeg reports for a file (no ffprobe needed)."""
    out = subprocess.run([find_ffmpeg(), '-hide_banner', '-i', str(path)], capture_output=True,
                         text=True, timeout=30).stderr
    return sorted(kind for kind in ('Video:', 'Audio:') if kind in out)


def test_one_run_makes_the_whole_ladder_with_sound_only_and_hls(tmp_path):
    result = ft.transcode(clip('hd.mp4'), tmp_path, heights=DEFAULT_LADDER, hls=True,
                          audio_only=True, preset='ultrafast')
    assert [(r.label, r.width, r.height) for r in result.renditions] == [
        (240, 426, 240), (360, 640, 360), (720, 1280, 720)]
    assert result.audio == tmp_path / 'audio.m4a'
    assert _streams(result.audio) == ['Audio:']
    master = result.hls_master.read_text()
    variants = [line for line in master.splitlines() if line and not line.startswith('#')]
    # Smallest first: a player starts on 240p and climbs; the sound alone is not in the master.
    assert variants == ['240/index.m3u8', '360/index.m3u8', '720/index.m3u8']
    bandwidth = int(master.split('BANDWIDTH=', 1)[1].split(',', 1)[0])
    assert bandwidth < 400_000           # 240p fits a 400 kbit/s link
    sound = (tmp_path / 'hls' / 'audio' / 'index.m3u8').read_text()
    assert '#EXT-X-ENDLIST' in sound and list((tmp_path / 'hls' / 'audio').glob('*.ts'))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith('.')]


def test_app_processing_uses_the_ladder_and_signs_sound_only(app, make_user, monkeypatch):
    course = make_course(lessons=0)
    lesson = make_lesson(course, "视频课", kind="video")
    asset = services.attach_video(lesson, clip("small.mp4"))
    assert asset.status == "ready" and asset.hls and asset.has_audio_only
    assert asset.ladder == LADDER_VERSION and asset.upgrade_progress is None
    user, client = signed_client(app, make_user)
    sources = client.get(f"/api/video/lessons/{lesson.id}/sources").json
    sound = client.get(sources["audio"])
    assert sound.status_code == 200 and sound.mimetype == "audio/mp4"
    playlist = client.get(sources["hls_audio"]).get_data(as_text=True)
    segment_url = next(line for line in playlist.splitlines() if line and not line.startswith("#"))
    assert segment_url.startswith(f"/video/media/{asset.id}/hls/audio/00000.ts?t=")
    assert client.get(segment_url).status_code == 200
    # Signed for this user only, and they expire like every media URL.
    _other, other_client = signed_client(app, make_user)
    assert other_client.get(sources["audio"]).status_code == 403
    from mooc.video import clock
    later = FakeClock(clock.now() + app.config["MEDIA_URL_TTL"] + 5)
    monkeypatch.setattr(clock, "now", later)
    assert client.get(segment_url).status_code == 403
    assert client.get(sources["hls"]).status_code == 403


def _old_video(app, lesson):
    """A video as the previous release made it: 360p MP4 only, no HLS, no sound file."""
    app.config.update(VIDEO_RENDITIONS=(360,), VIDEO_HLS=False, VIDEO_AUDIO_ONLY=False)
    asset = services.attach_video(lesson, clip("hd.mp4"))
    app.config.update(VIDEO_RENDITIONS=DEFAULT_LADDER, VIDEO_HLS=True, VIDEO_AUDIO_ONLY=True)
    asset.ladder = 0
    db.session.commit()
    assert [r["label"] for r in asset.renditions] == [360] and not asset.hls
    return asset


def test_upgrade_job_brings_old_videos_to_the_ladder(app, client, make_user, login_as):
    teacher = make_user(role="instructor")
    course = make_course(owner=teacher, lessons=0)
    lesson = make_lesson(course, "视频课", kind="video", actor=teacher)
    asset = _old_video(app, lesson)
    assert ladder.outdated_assets() == [asset]
    # The instructor sees that an upgrade is pending, with its progress.
    asset.upgrade_progress = 0.42
    db.session.commit()
    login_as(teacher)
    page = client.get(f"/author/courses/{course.id}/lessons/{lesson.id}/video").get_data(as_text=True)
    assert "升级进度 42%" in page
    asset.upgrade_progress = None
    db.session.commit()

    assert ladder.queue_upgrades() == 1           # huey runs inline in tests
    db.session.refresh(asset)
    assert asset.status == "ready" and asset.ladder == LADDER_VERSION
    assert [r["label"] for r in asset.renditions] == [240, 360, 720]
    assert asset.hls and asset.has_audio_only and asset.upgrade_progress is None
    assert storage.derived_exists("video", asset.id, "hls/master.m3u8")
    job = db.session.scalars(db.select(BackgroundJob).where(
        BackgroundJob.kind == ladder.UPGRADE_JOB)).one()
    assert (job.status, job.progress) == ("done", 1.0)
    assert ladder.queue_upgrades() == 0           # nothing left to do
    page = client.get(f"/author/courses/{course.id}/lessons/{lesson.id}/video").get_data(as_text=True)
    assert "自适应码率：已开启" in page


def test_upgrade_cli_and_worker_hook(app, make_user):
    course = make_course(lessons=0)
    lesson = make_lesson(course, "视频课", kind="video")
    asset = _old_video(app, lesson)
    assert ladder.queue_upgrades_at_start in contributions(app).worker_startup
    result = app.test_cli_runner().invoke(args=["video", "upgrade", "--inline"])
    assert result.exit_code == 0, result.output
    assert "done" in result.output
    db.session.refresh(asset)
    assert asset.ladder == LADDER_VERSION and [r["label"] for r in asset.renditions] == [240, 360, 720]


def test_failed_upgrade_keeps_the_old_video_playing(app, monkeypatch):
    course = make_course(lessons=0)
    lesson = make_lesson(course, "视频课", kind="video")
    asset = _old_video(app, lesson)
    app.config["TRANSCODE_PRESET"] = "no-such-preset"
    try:
        ladder.queue_upgrades()
    finally:
        app.config["TRANSCODE_PRESET"] = "ultrafast"
    db.session.refresh(asset)
    assert asset.status == "ready" and asset.ladder == 0 and asset.upgrade_progress is None
    assert storage.derived_exists("video", asset.id, "360.mp4")
    job = db.session.scalars(db.select(BackgroundJob).where(
        BackgroundJob.kind == ladder.UPGRADE_JOB)).one()
    assert job.status == "failed" and "原视频仍可播放" in job.message
