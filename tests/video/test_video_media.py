"""Signed, expiring, user-bound media URLs: Range requests for the owner of the URL, 403 for
anyone else, a tampered or an expired signature; X-Accel-Redirect; HLS playlists re-signed."""
import os
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from mooc.core import storage
from mooc.extensions import db
from mooc.video import clock, media, services
from mooc.video.models import VideoAsset
from tests.catalog_factories import make_course, make_lesson
from tests.conftest import login
from tests.video.clips import clip

BODY = os.urandom(100_000)


class FakeClock:
    def __init__(self, now=1_700_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def fake_clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(clock, "now", fake)
    return fake


def ready_video(lesson, *, duration=60.0, captions=None):
    """A ready asset with stand-in output files (the route never looks inside them)."""
    stored = storage.store_file(clip("small.mp4"), owner="video", allowed_exts=services.VIDEO_EXTS)
    asset = VideoAsset(lesson_id=lesson.id, status="ready", progress=1.0, validated=True,
                       source_key=stored.key, source_sha256=stored.sha256,
                       source_size=stored.size, filename="讲座.mp4", duration=duration,
                       width=1280, height=720, has_poster=True,
                       renditions=[{"label": 360, "file": "360.mp4", "width": 640, "height": 360,
                                    "size": len(BODY), "video_kbps": 600},
                                   {"label": 720, "file": "720.mp4", "width": 1280,
                                    "height": 720, "size": len(BODY), "video_kbps": 1800}])
    db.session.add(asset)
    db.session.flush()
    for name in ("360.mp4", "720.mp4"):
        path = storage.derived_path("video", asset.id, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(BODY)
    storage.derived_path("video", asset.id, "poster.jpg").write_bytes(b"\xff\xd8\xff" + b"0" * 100)
    if captions:
        services._store_captions(asset, captions.encode(), "字幕.vtt")
    db.session.commit()
    return asset


@pytest.fixture
def video(app, make_user):
    course = make_course(lessons=0)
    lesson = make_lesson(course, "视频课", kind="video")
    asset = ready_video(lesson, captions="WEBVTT\n\n00:01.000 --> 00:02.000\n同志们好\n")
    return course, lesson, asset


def signed_client(app, make_user):
    user = make_user()
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return user, client


def url_for_user(app, user, asset, name):
    with app.test_request_context():
        return media.media_url(user, asset, name)


def test_lesson_page_hands_out_urls_that_work_for_their_user(app, video, make_user):
    course, lesson, asset = video
    user, client = signed_client(app, make_user)
    page = client.get(f"/courses/{course.id}/lessons/{lesson.id}").get_data(as_text=True)
    urls = re.findall(r'/video/media/\d+/[\w.]+\?t=[\w.-]+', page)
    assert {urlsplit(u).path.rsplit("/", 1)[1] for u in urls} >= {"360.mp4", "720.mp4",
                                                                  "poster.jpg", "captions.vtt"}
    url = next(u for u in urls if "/360.mp4?" in u)
    full = client.get(url)
    assert full.status_code == 200 and full.data == BODY and full.mimetype == "video/mp4"
    assert full.headers["Cache-Control"].startswith("private")
    part = client.get(url, headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.data == BODY[1000:2000]
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(BODY)}"
    captions = client.get(next(u for u in urls if "captions.vtt" in u))
    assert captions.status_code == 200 and captions.mimetype == "text/vtt"
    assert captions.data.startswith(b"WEBVTT")


def test_someone_elses_tampered_or_stale_urls_get_403(app, video, make_user, fake_clock):
    course, lesson, asset = video
    owner, owner_client = signed_client(app, make_user)
    other, other_client = signed_client(app, make_user)
    url = url_for_user(app, owner, asset, "360.mp4")
    assert owner_client.get(url).status_code == 200
    assert other_client.get(url).status_code == 403                 # copied to another member
    assert app.test_client().get(url).status_code == 403           # not signed in
    token = parse_qs(urlsplit(url).query)["t"][0]
    tampered = url.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert owner_client.get(tampered).status_code == 403
    assert owner_client.get(url.replace("/360.mp4", "/720.mp4")).status_code == 403
    assert owner_client.get(url.replace(f"/{asset.id}/", f"/{asset.id + 1}/")).status_code == 403
    assert owner_client.get(url.split("?")[0]).status_code == 403   # no signature at all

    fake_clock.now += app.config["MEDIA_URL_TTL"] - 1
    assert owner_client.get(url).status_code == 200
    fake_clock.now += 2
    assert owner_client.get(url).status_code == 403                 # expired


def test_withdrawn_access_and_unknown_files(app, video, make_user):
    course, lesson, asset = video
    user, client = signed_client(app, make_user)
    # A signature for a name the asset does not have is still refused.
    assert client.get(url_for_user(app, user, asset, "1080.mp4")).status_code == 404
    assert client.get(url_for_user(app, user, asset, "../../secret")).status_code == 404
    url = url_for_user(app, user, asset, "360.mp4")
    lesson.published = False
    db.session.commit()
    assert client.get(url).status_code == 404                       # no longer visible to them


def test_x_accel_redirect_lets_nginx_send_the_bytes(app, video, make_user):
    course, lesson, asset = video
    app.config["USE_X_ACCEL_REDIRECT"] = True
    user, client = signed_client(app, make_user)
    response = client.get(url_for_user(app, user, asset, "360.mp4"))
    assert response.status_code == 200 and response.data == b""
    assert response.headers["X-Accel-Redirect"] == \
        f"/_protected_media/derived/video/{asset.id}/360.mp4"
    assert response.mimetype == "video/mp4"
    captions = client.get(url_for_user(app, user, asset, "captions.vtt"))
    assert captions.headers["X-Accel-Redirect"] == "/_protected_media/" + asset.captions_key


@pytest.mark.slow
def test_hls_playlists_are_signed_for_the_viewer(app, make_user):
    app.config["VIDEO_HLS"] = True
    course = make_course(lessons=0)
    lesson = make_lesson(course, "视频课", kind="video")
    asset = services.attach_video(lesson, clip("small.mp4"))
    assert asset.status == "ready" and asset.hls
    user, client = signed_client(app, make_user)
    sources = client.get(f"/api/video/lessons/{lesson.id}/sources").json
    master = client.get(sources["hls"])
    assert master.status_code == 200 and master.mimetype == "application/vnd.apple.mpegurl"
    variant_url = next(line for line in master.get_data(as_text=True).splitlines()
                       if line and not line.startswith("#"))
    assert variant_url.startswith(f"/video/media/{asset.id}/hls/240/index.m3u8?t=")
    variant = client.get(variant_url).get_data(as_text=True)
    segment_url = next(line for line in variant.splitlines() if line and not line.startswith("#"))
    segment = client.get(segment_url)
    assert segment.status_code == 200 and segment.mimetype == "video/mp2t"
    assert segment.data[:1] == b"\x47"                                  # MPEG-TS sync byte
    other, other_client = signed_client(app, make_user)
    assert other_client.get(segment_url).status_code == 403
