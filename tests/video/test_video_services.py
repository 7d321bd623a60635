"""The services other features call (package import/export, search), the lesson kind,
replacing a video, storage clean-up and the CLI."""
import pytest
from sqlalchemy import func, select

from mooc.catalog import kinds
from mooc.core import storage
from mooc.core.models import BackgroundJob
from mooc.extensions import db
from mooc.video import services
from mooc.video.lesson_kind import VideoLessonKind
from mooc.video.processing.media_probe import VideoRejected
from mooc.video.models import VideoAsset
from tests.catalog_factories import make_course, make_lesson
from tests.video.clips import clip

pytestmark = pytest.mark.slow

SRT = "1\n00:00:00,000 --> 00:00:01,200\n学习党章\n\n2\n00:00:01,200 --> 00:00:02,500\n遵守党纪\n"


@pytest.fixture
def lesson(app):
    course = make_course(lessons=0)
    return make_lesson(course, "视频课", kind="video")


def count(model):
    return db.session.scalar(select(func.count(model.id)))


def test_the_video_kind_is_registered_with_its_player():
    assert kinds.kind_for("video") is VideoLessonKind
    assert VideoLessonKind.template == "video/lesson.html"
    assert VideoLessonKind.author_template == "video/author_panel.html"
    assert not VideoLessonKind.reader_completes


def test_attach_video_is_idempotent_and_feeds_export_and_search(app, lesson, tmp_path):
    captions = tmp_path / "clip.srt"
    captions.write_text(SRT, encoding="utf-8")
    asset = services.attach_video(lesson, clip("small.mp4"), captions)
    assert asset.status == "ready" and asset.validated and asset.filename == "small.mp4"
    again = services.attach_video(lesson, clip("small.mp4"), captions)
    assert again.id == asset.id and count(VideoAsset) == 1
    assert count(BackgroundJob) == 1                       # transcoded once

    assert services.transcript_cues(lesson) == [
        {"start": 0.0, "end": 1.2, "text": "学习党章"},
        {"start": 1.2, "end": 2.5, "text": "遵守党纪"}]
    source, vtt = services.video_package_files(lesson)
    assert source.read_bytes() == clip("small.mp4").read_bytes()
    assert vtt.startswith("WEBVTT") and "学习党章" in vtt

    text_lesson = make_lesson(lesson.course, "文字课")
    assert services.transcript_cues(text_lesson) == []
    assert services.video_package_files(text_lesson) == (None, None)
    with pytest.raises(services.VideoError, match="不是视频课时"):
        services.attach_video(text_lesson, clip("small.mp4"))


def test_attach_video_refuses_bad_files_before_storing_anything(app, lesson, tmp_path):
    with pytest.raises(VideoRejected, match="不是有效的视频文件"):
        services.attach_video(lesson, clip("text.mp4"))
    bad_captions = tmp_path / "bad.srt"
    bad_captions.write_text("1\n00:00:02,000 --> 00:00:01,000\n倒序\n", encoding="utf-8")
    with pytest.raises(services.VideoError, match="第 2 行：结束时间必须晚于开始时间"):
        services.attach_video(lesson, clip("small.mp4"), bad_captions)
    assert count(VideoAsset) == 0
    root = app.config["MEDIA_ROOT"]
    assert not root.exists() or not [p for p in root.rglob("*") if p.is_file()]


def test_a_replacement_plays_once_ready_and_keeps_the_captions(app, lesson, tmp_path):
    captions = tmp_path / "clip.srt"
    captions.write_text(SRT, encoding="utf-8")
    first = services.attach_video(lesson, clip("small.mp4"), captions)
    first_id = first.id
    replacement, created = services.add_video_file(lesson, clip("silent.mp4"), filename="新版.mp4")
    db.session.commit()
    assert created and replacement.captions_key == first.captions_key
    assert services.playable_asset(lesson).id == first_id      # the old one plays meanwhile
    services.start_processing(replacement)
    db.session.expire_all()
    assert services.playable_asset(lesson).id == replacement.id
    assert db.session.get(VideoAsset, first_id) is None
    assert not storage.derived_dir("video", first_id).exists()
    assert services.transcript_cues(lesson)[0]["text"] == "学习党章"

    # The first upload's source is no longer referenced: garbage collection may take it.
    removed = storage.collect_garbage(min_age_seconds=0)
    assert storage.exists(replacement.source_key) and replacement.captions_key not in removed
    assert len(removed) == 1 and removed[0].endswith(".mp4")


def test_cli_lists_processes_and_cleans_up(app, lesson):
    asset, _created = services.add_video_file(lesson, clip("silent.mp4"), filename="a.mp4")
    db.session.commit()
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["video", "list"])
    assert f"#{asset.id}" in listed.output and "queued" in listed.output
    processed = runner.invoke(args=["video", "process", str(asset.id)])
    assert processed.exit_code == 0, processed.output
    assert "done" in processed.output
    # Output directories whose row is gone (a lesson was deleted) are removed.
    orphan = storage.derived_dir("video", asset.id + 100)
    orphan.mkdir(parents=True)
    (orphan / "360.mp4").write_bytes(b"x")
    cleaned = runner.invoke(args=["video", "gc"])
    assert "1 个无主转码目录" in cleaned.output and not orphan.exists()
    assert storage.derived_dir("video", asset.id).exists()
