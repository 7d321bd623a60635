"""Uploads through the real endpoints, with real ffmpeg on tiny clips (tests/video/clips.py):
resumable chunks, each kind of bad file refused with its message and nothing left behind,
413 over the size limit, processing-job states with failure and retry, captions."""
import re

import pytest
from sqlalchemy import func, select

from mooc.core import storage
from mooc.core.models import BackgroundJob
from mooc.extensions import db
from mooc.video import services
from mooc.video.processing import transcoding
from mooc.video.processing.rendition_plan import LADDER_VERSION
from mooc.video.models import VideoAsset
from tests.catalog_factories import make_course, make_lesson
from tests.video.clips import clip

pytestmark = pytest.mark.slow
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@pytest.fixture
def author(client, login_as, make_user, app):
    teacher = make_user(role="instructor")
    course = make_course(owner=teacher, lessons=0)
    lesson = make_lesson(course, "视频课", kind="video", actor=teacher)
    login_as(teacher)
    base = f"/author/courses/{course.id}/lessons/{lesson.id}/video"
    page = client.get(base)
    assert page.status_code == 200
    token = META_CSRF.search(page.get_data(as_text=True)).group(1)
    return {"teacher": teacher, "course": course, "lesson": lesson, "base": base,
            "headers": {"X-CSRFToken": token, "Accept": "application/json"}, "token": token}


def media_files(app):
    """Every file under MEDIA_ROOT (content store, derived outputs, temp files).

    Not storage's list of features that stored files (MEDIA_ROOT/.owners): it is
    bookkeeping, kept even when a rejected upload's file is removed.
    """
    root = app.config["MEDIA_ROOT"]
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and p.name != storage.OWNERS_FILE) if root.exists() else []


def asset_count():
    return db.session.scalar(select(func.count(VideoAsset.id)))


def begin(client, author, data):
    response = client.post(author["base"] + "/uploads", headers=author["headers"],
                           json={"size": len(data), "filename": "第一讲.mp4"})
    assert response.status_code == 200, response.json
    return response.json


def send_chunk(client, author, ticket, data, offset):
    return client.post(ticket["chunk_url"] + f"?offset={offset}", data=data,
                       headers={**author["headers"], "Content-Type": "application/octet-stream"})


def upload_all(client, author, data):
    ticket = begin(client, author, data)
    assert send_chunk(client, author, ticket, data, 0).status_code == 200
    return client.post(ticket["finish_url"], headers=author["headers"])


def test_resumable_upload_transcodes_and_publishes(app, client, author):
    data = clip("small.mp4").read_bytes()
    ticket = begin(client, author, data)
    assert ticket["offset"] == 0 and ticket["chunk_size"] > 0
    third = len(data) // 3
    first = send_chunk(client, author, ticket, data[:third], 0)
    assert first.json == {"offset": third, "size": len(data)}
    # The connection "dropped" and the client lost its place: the server says where it is.
    wrong = send_chunk(client, author, ticket, data[third * 2:], third * 2)
    assert wrong.status_code == 409 and wrong.json["offset"] == third
    assert "上传位置" in wrong.json["error"]
    assert client.get(ticket["offset_url"], headers=author["headers"]).json["offset"] == third
    early = client.post(ticket["finish_url"], headers=author["headers"])
    assert early.status_code == 409 and early.json["offset"] == third
    assert send_chunk(client, author, ticket, data[third:], third).json["offset"] == len(data)

    done = client.post(ticket["finish_url"], headers=author["headers"])
    assert done.status_code == 200, done.json          # huey runs inline in tests: ready now
    asset = db.session.get(VideoAsset, done.json["asset"]["id"])
    assert asset.status == "ready" and asset.progress == 1.0 and asset.filename == "第一讲.mp4"
    assert asset.duration == pytest.approx(3.0, abs=0.1)
    # 320x240 source: the 240p rung at its own size (never upscaled), HLS and the sound alone.
    assert [(r["label"], r["width"], r["height"]) for r in asset.renditions] == [(240, 320, 240)]
    files = media_files(app)
    assert f"derived/video/{asset.id}/240.mp4" in files
    assert f"derived/video/{asset.id}/hls/master.m3u8" in files
    assert f"derived/video/{asset.id}/audio.m4a" in files
    assert asset.hls and asset.has_audio_only and asset.ladder == LADDER_VERSION
    assert f"derived/video/{asset.id}/poster.jpg" in files
    assert not any(f.startswith("tmp/") for f in files)          # the partial moved into place
    job = db.session.get(BackgroundJob, done.json["job_id"])
    assert (job.status, job.progress, job.kind) == ("done", 1.0, "video.transcode")

    # The same file again (a double submit) is not stored or transcoded twice.
    again = upload_all(client, author, data)
    assert again.status_code == 200 and again.json["asset"]["id"] == asset.id
    assert again.json["created"] is False and asset_count() == 1
    # A ticket is bound to its user and lesson, and cannot be forged.
    assert client.get(ticket["offset_url"][:-4] + "abcd",
                      headers=author["headers"]).status_code == 400


@pytest.mark.parametrize("name, message", [
    ("text.mp4", "不是有效的视频文件"),
    ("audio.m4a", "只有音频，没有画面"),
    ("truncated_small.mp4", "视频文件不完整或已损坏"),   # index (moov) missing: found at once
    ("truncated_hd.mp4", "视频文件不完整或已损坏"),      # header fine: only decoding finds it
], ids=["renamed-text", "audio-only", "truncated-no-index", "truncated-faststart"])
def test_bad_uploads_are_refused_and_leave_nothing(app, client, author, name, message):
    response = upload_all(client, author, clip(name).read_bytes())
    assert response.status_code == 400
    assert response.json["error"] == message and response.json["code"] == 400
    assert asset_count() == 0
    assert media_files(app) == []
    page = client.get(author["base"]).get_data(as_text=True)
    assert "还没有上传视频" in page


def test_empty_files_are_refused(app, client, author):
    response = client.post(author["base"] + "/uploads", headers=author["headers"],
                           json={"size": 0, "filename": "空.mp4"})
    assert response.status_code == 400 and response.json["error"] == "文件为空"
    form = client.post(author["base"], data={"csrf_token": author["token"],
                                             "file": (clip("empty.mp4").open("rb"), "空.mp4")},
                       follow_redirects=True)
    assert "文件为空" in form.get_data(as_text=True)
    assert asset_count() == 0 and media_files(app) == []


def test_oversize_uploads_get_413_with_the_limit(app, client, author):
    app.config["MAX_UPLOAD_BYTES"] = 50 * 1024
    data = clip("small.mp4").read_bytes()                 # 76 KB
    response = client.post(author["base"] + "/uploads", headers=author["headers"],
                           json={"size": len(data)})
    assert response.status_code == 413
    assert response.json["error"] == "视频文件太大：最大允许 50 KB。"
    form = client.post(author["base"], data={"csrf_token": author["token"],
                                             "file": (clip("small.mp4").open("rb"), "大.mp4")})
    assert form.status_code == 413
    assert "视频文件太大：最大允许 50 KB。" in form.get_data(as_text=True)
    assert asset_count() == 0 and media_files(app) == []


def test_form_upload_without_javascript(app, client, author):
    response = client.post(author["base"], data={"csrf_token": author["token"],
                                                 "file": (clip("silent.mp4").open("rb"), "无声.mp4")},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "视频已上传" in page and "可以播放" in page and "无声.mp4" in page
    asset = services.latest_asset(author["lesson"])
    assert asset.status == "ready" and [r["label"] for r in asset.renditions] == [240, 360]


def test_processing_states_failure_and_retry(app, client, author, monkeypatch):
    lesson = author["lesson"]
    asset, created = services.add_video_file(lesson, clip("small.mp4"), actor=author["teacher"],
                                             filename="讲座.mp4")
    db.session.commit()
    assert created and asset.status == "queued" and asset.progress == 0

    # ffmpeg is missing: the job fails with a reason the author can act on.
    monkeypatch.setenv("FFMPEG_BINARY", "/nonexistent/ffmpeg")
    job = services.start_processing(asset, author["teacher"])
    db.session.expire_all()
    asset = db.session.get(VideoAsset, asset.id)
    assert asset.status == "failed" and "ffmpeg" in asset.error
    assert db.session.get(BackgroundJob, job.id).status == "failed"
    status = client.get(author["base"] + "/status", headers=author["headers"]).json
    assert status["asset"]["status"] == "failed" and status["asset"]["error"] == asset.error
    page = client.get(author["base"]).get_data(as_text=True)
    assert "处理失败" in page and asset.error in page and "重试" in page

    # Retry once it is fixed, watching the states the author's page would show.
    monkeypatch.delenv("FFMPEG_BINARY")
    seen = []
    real_report = transcoding._report

    def spy(job_id, asset_id, fraction, *args, **kwargs):
        row = db.session.get(VideoAsset, asset_id)
        seen.append((row.status, round(fraction, 2)))
        return real_report(job_id, asset_id, fraction, *args, **kwargs)
    monkeypatch.setattr(transcoding, "_report", spy)
    response = client.post(author["base"] + "/retry", data={"csrf_token": author["token"]},
                           follow_redirects=True)
    assert "已重新开始处理视频" in response.get_data(as_text=True)
    assert seen and all(state == "processing" for state, _ in seen)
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[0] == transcoding.VALIDATE_SHARE
    db.session.expire_all()
    asset = db.session.get(VideoAsset, asset.id)
    assert asset.status == "ready" and asset.error == "" and asset.validated
    # Nothing left to retry.
    again = client.post(author["base"] + "/retry", data={"csrf_token": author["token"]},
                        headers={"Accept": "application/json"})
    assert again.status_code == 409 and again.json["error"] == "只有处理失败的视频可以重试。"


def test_tickets_and_pages_belong_to_the_course_authors(app, client, author, make_user):
    from tests.conftest import login
    ticket = begin(client, author, b"x" * 10)
    other = app.test_client()
    login(other, make_user(role="instructor").username)
    assert other.get(author["base"]).status_code == 403          # published: visible, not theirs
    admin = app.test_client()
    login(admin, make_user(role="admin").username)
    assert admin.get(author["base"]).status_code == 200
    # An admin may upload, but not with someone else's ticket.
    response = admin.get(ticket["offset_url"], headers={"Accept": "application/json"})
    assert response.status_code == 400 and "上传标识无效" in response.json["error"]


SRT = """1
00:00:00,500 --> 00:00:01,500
<i>同志们好</i>

2
00:00:01,600 --> 00:00:02,900
今天学习党章
""".encode("gbk")


def test_srt_captions_become_webvtt_and_a_transcript(app, client, author):
    lesson = author["lesson"]
    early = client.post(author["base"] + "/captions", headers={"Accept": "application/json"},
                        data={"csrf_token": author["token"], "file": (_bytes(SRT), "字幕.srt")})
    assert early.status_code == 409 and early.json["error"] == "请先上传视频，再上传字幕。"
    assert upload_all(client, author, clip("small.mp4").read_bytes()).status_code == 200

    response = client.post(author["base"] + "/captions",
                           data={"csrf_token": author["token"], "file": (_bytes(SRT), "字幕.srt")},
                           follow_redirects=True)
    assert "字幕已保存" in response.get_data(as_text=True)
    assert services.transcript_cues(lesson) == [
        {"start": 0.5, "end": 1.5, "text": "同志们好"},
        {"start": 1.6, "end": 2.9, "text": "今天学习党章"}]
    asset = services.latest_asset(lesson)
    vtt = services.captions_text(asset)
    assert vtt.startswith("WEBVTT") and "00:00:01.600 --> 00:00:02.900" in vtt

    bad = "1\n00:00:01,000 --> 00:00:02,000\n好\n\n2\n00:00:05,000 -> 00:00:06,000\n坏\n"
    refused = client.post(author["base"] + "/captions", headers={"Accept": "application/json"},
                          data={"csrf_token": author["token"],
                                "file": (_bytes(bad.encode()), "坏.srt")})
    assert refused.status_code == 400
    assert refused.json["error"].startswith("第 5 行：") and refused.json["line"] == 5
    assert services.captions_text(services.latest_asset(lesson)) == vtt   # the old ones stay

    removed = client.post(author["base"] + "/captions/delete",
                          data={"csrf_token": author["token"]}, follow_redirects=True)
    assert "字幕已删除" in removed.get_data(as_text=True)
    assert services.transcript_cues(lesson) == []


def _bytes(data):
    import io
    return io.BytesIO(data)
