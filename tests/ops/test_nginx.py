"""deploy/nginx.conf in front of gunicorn, with Debian's nginx: a page, a static file
with its cache header, a signed media Range request answered by nginx through
X-Accel-Redirect, a chunked upload, and a per-IP login limit keyed on the address nginx
forwards (TRUSTED_PROXIES=1). Skips when nginx is not installed."""
import http.client
import os

import pytest

from mooc.ops import nginx as nginx_template
from tests.ops import live

pytestmark = pytest.mark.slow


def test_template_renders_every_placeholder(app):
    values = nginx_template.values_from_config(
        app.config, server_name="dangjian.example.cn", upstreams=["10.0.0.1:8000", "10.0.0.2:8000"],
        tls_cert="/etc/ssl/c.pem", tls_key="/etc/ssl/k.pem")
    text = nginx_template.render(values)
    assert not [line for line in text.splitlines()
                if "${" in line and not line.lstrip().startswith("#")]
    assert "server 10.0.0.1:8000" in text and "server 10.0.0.2:8000" in text
    assert "client_max_body_size 9m;" in text        # one 8 MiB chunk + headers
    assert "client_max_body_size 2048m;" in text     # ordinary forms: MAX_UPLOAD_BYTES
    with pytest.raises(KeyError, match="SERVER_NAME"):
        nginx_template.render({k: v for k, v in values.items() if k != "SERVER_NAME"})


def test_site_behind_nginx(tmp_path):
    binary = live.need_nginx()
    site, info = live.seed(tmp_path, f"sqlite:///{tmp_path / 'instance' / 'mooc.sqlite3'}")
    env = live.app_env(tmp_path)
    port, web = live.gunicorn(env, tmp_path)
    with web:
        base, http_port, proxy = live.nginx(binary, tmp_path, site.config,
                                            [f"127.0.0.1:{port}"])
        with proxy:
            _check_site(base, http_port, info)


def _check_site(base, http_port, info):
    visitor = live.Client(base, "127.0.0.2")
    # Plain HTTP redirects to HTTPS; the login page comes through nginx.
    plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    plain.request("GET", "/login", headers={"Host": "localhost"})
    redirect = plain.getresponse()
    assert redirect.status == 301 and redirect.getheader("Location") == "https://localhost/login"
    plain.close()
    page = visitor.get("/login")
    assert page.status == 200 and "党建慕课" in page.text

    # Static files: served by nginx from disk with a week of public caching.
    css = visitor.get("/static/css/app.css")
    assert css.status == 200 and "max-age=604800" in css.headers["Cache-Control"]
    assert "public" in css.headers["Cache-Control"]
    gz = visitor.get("/static/css/app.css", headers={"Accept-Encoding": "gzip"})
    assert gz.headers.get("Content-Encoding") == "gzip"

    # Media: the app checks the signed URL, nginx sends the bytes and answers the Range.
    learner = live.Client(base, "127.0.0.4")
    assert learner.login("learner", info["password"]).status == 200
    part = learner.get(info["media_url"], headers={"Range": "bytes=1000-1999"})
    assert part.status == 206, part.text[:300]
    assert part.body == info["body"][1000:2000]
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(info['body'])}"
    assert part.headers["Content-Type"] == "video/mp4" and "X-Accel-Redirect" not in part.headers
    assert visitor.get(info["media_url"]).status == 403          # not that user's URL
    assert visitor.get("/_protected_media/derived/video/1/360.mp4").status == 404  # internal

    # Chunked upload: 2 MiB chunks pass nginx (its default limit is 1 MiB).
    teacher = live.Client(base, "127.0.0.5")
    assert teacher.login("teacher", info["password"]).status == 200
    video_page = f"/author/courses/{info['course_id']}/lessons/{info['upload_lesson_id']}/video"
    token = live.META_CSRF.search(teacher.get(video_page).text).group(1)
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    data = os.urandom(3 * 1024 * 1024)
    ticket = teacher.post(video_page + "/uploads", headers=headers,
                          json_body={"size": len(data), "filename": "第一讲.mp4"}).json()
    chunk = ticket["chunk_size"]
    assert chunk == 2 * 1024 * 1024
    for offset in range(0, len(data), chunk):
        sent = teacher.post(ticket["chunk_url"] + f"?offset={offset}",
                            data=data[offset:offset + chunk],
                            headers={**headers, "Content-Type": "application/octet-stream"})
        assert sent.status == 200, sent.text[:300]
    assert teacher.get(ticket["offset_url"], headers=headers).json()["offset"] == len(data)

    # Per-IP login limit (3 a minute here) keys on the client nginx saw, and a forged
    # X-Forwarded-For does not buy a new address.
    statuses = []
    for n in range(5):
        token = live.CSRF_RE.search(visitor.get("/login").text).group(1)
        statuses.append(visitor.post("/login", headers={"X-Forwarded-For": f"198.51.100.{n}"},
                                     data={"username": f"nobody{n}", "password": "wrong",
                                           "csrf_token": token}).status)
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429], statuses
    other = live.Client(base, "127.0.0.3")
    token = live.CSRF_RE.search(other.get("/login").text).group(1)
    assert other.post("/login", data={"username": "nobody", "password": "wrong",
                                      "csrf_token": token}).status == 200
