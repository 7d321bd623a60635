"""Real servers for the deployment tests: gunicorn subprocesses behind Debian's nginx.

Everything binds to 127.0.0.1 on ports the OS hands out, logs to the test's tmp dir
(shown on failure) and is stopped by the caller's `with` block. HTTP clients choose
their source address inside 127.0.0.0/8, so nginx sees different client IPs.
"""
from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from config import BASE_DIR
from mooc.ops import nginx as nginx_template

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
SECRET = "deploy-test-secret-" + "k" * 40
GUNICORN = Path(sys.executable).parent / "gunicorn"


def need_nginx():
    path = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx")
                                     else None)
    if not path:
        pytest.skip("nginx is not installed (Debian package `nginx`; .ci/run installs it)")
    if not shutil.which("openssl"):
        pytest.skip("openssl is missing: cannot make the test TLS certificate")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(tmp: Path, **extra) -> dict:
    """Environment of an app node (production settings, test-sized limits)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MOOC_", "DATABASE_URL", "REDIS_URL", "RATELIMIT_"))}
    env.update({
        "MOOC_ENV": "production", "SECRET_KEY": SECRET, "PYTHONPATH": str(BASE_DIR),
        "CERT_BASE_URL": "https://dangjian.example.cn/",
        "DATABASE_URL": f"sqlite:///{tmp / 'instance' / 'mooc.sqlite3'}",
        "INSTANCE_DIR": str(tmp / "instance"), "MEDIA_ROOT": str(tmp / "media"),
        "SEARCH_INDEX_DIR": str(tmp / "search_index"),
        "TRUSTED_PROXIES": "1", "USE_X_ACCEL_REDIRECT": "1",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "LOGIN_LIMIT_PER_IP": "3 per minute", "LOGIN_LIMIT_PER_ACCOUNT": "100 per minute",
        "VIDEO_UPLOAD_CHUNK_BYTES": str(2 * 1024 * 1024),
        "WEB_WORKERS": "1", "WEB_THREADS": "4", "ACCESS_LOG": str(tmp / "access.log"),
    })
    env.update({k: str(v) for k, v in extra.items()})
    return env


def wait_for(url_or_check, timeout=30.0, proc=None, log=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}):\n{_tail(log)}")
        try:
            if callable(url_or_check):
                if url_or_check():
                    return
            else:
                with urllib.request.urlopen(url_or_check, timeout=2):
                    return
        except urllib.error.HTTPError:
            return  # it answers (e.g. /healthz 503 before the index exists): it is up
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url_or_check} not up after {timeout}s:\n{_tail(log)}")


def _tail(log):
    return Path(log).read_text(errors="replace")[-3000:] if log and Path(log).exists() else ""


@contextmanager
def process(args, *, env=None, log: Path, ready=None, timeout=30.0):
    """Run a server until the block ends; SIGTERM, then SIGKILL after 10 s."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        if ready is not None:
            wait_for(ready, timeout=timeout, proc=proc, log=log)
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


def gunicorn(env, tmp: Path, name="web"):
    port = free_port()
    env = {**env, "BIND": f"127.0.0.1:{port}"}
    return port, process([str(GUNICORN), "-c", "python:mooc.gunicorn_conf", "mooc:create_app()"],
                         env=env, log=tmp / f"{name}.log",
                         ready=f"http://127.0.0.1:{port}/healthz", timeout=60)


def make_cert(tmp: Path):
    cert, key = tmp / "tls.crt", tmp / "tls.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def nginx(binary, tmp: Path, config, upstreams):
    """Debian's nginx, root-less capable: own prefix, pid, logs and temp dirs."""
    prefix = tmp / "nginx"
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    cert, key = make_cert(prefix)
    http_port, https_port = free_port(), free_port()
    site = nginx_template.render(nginx_template.values_from_config(
        config, server_name="localhost", upstreams=upstreams, tls_cert=str(cert),
        tls_key=str(key), http_listen=f"127.0.0.1:{http_port}",
        https_listen=f"127.0.0.1:{https_port}"))
    (prefix / "site.conf").write_text(site)
    temp = prefix / "tmp"
    # As root the workers would drop to `nobody`, which cannot read pytest's 0700 tmp dirs.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(f"""{user}worker_processes 1;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix}/logs/access.log;
    client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi; uwsgi_temp_path {temp}/uwsgi; scgi_temp_path {temp}/scgi;
    include {prefix}/site.conf;
}}
""")
    args = [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
            "-g", f"daemon off; pid {prefix}/nginx.pid; error_log {prefix}/logs/error.log;"]
    check = subprocess.run(args + ["-t"], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    url = f"https://localhost:{https_port}"
    return url, http_port, process(args, log=prefix / "logs" / "stdout.log",
                                   ready=lambda: _port_open(https_port), timeout=20)


def _port_open(port):
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Response:
    def __init__(self, status, headers, body, url):
        self.status, self.headers, self.body, self.url = status, headers, body, url

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


class Client:
    """A browser stand-in: cookies, no certificate checks (self-signed), a source IP."""

    def __init__(self, base, source_ip="127.0.0.1"):
        self.base = base
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        source = (source_ip, 0)

        class Https(urllib.request.HTTPSHandler):
            def https_open(self, req):
                return self.do_open(http.client.HTTPSConnection, req, context=context,
                                    source_address=source)

        class Http(urllib.request.HTTPHandler):
            def http_open(self, req):
                return self.do_open(http.client.HTTPConnection, req, source_address=source)

        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            Https(), Http(), urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, method, path, *, data=None, headers=None, json_body=None):
        headers = dict(headers or {})
        if json_body is not None:
            data = json.dumps(json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(data, dict):
            data = urllib.parse.urlencode(data).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        url = path if path.startswith("http") else self.base + path
        if method == "POST":  # browsers send it; CSRF on HTTPS requires a same-origin one
            headers.setdefault("Referer", self.base + "/")
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with self.opener.open(req, timeout=30) as resp:
                return Response(resp.status, resp.headers, resp.read(), resp.url)
        except urllib.error.HTTPError as err:
            return Response(err.code, err.headers, err.read(), url)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def post_multipart(self, path, fields, files, headers=None):
        """files: {name: (filename, bytes, content type)}."""
        boundary = "----mooc" + os.urandom(8).hex()
        parts = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                         f"\r\n\r\n{value}\r\n".encode())
        for name, (filename, data, ctype) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                         f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'.encode()
                         + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.post(path, data=body, headers={
            **(headers or {}), "Content-Type": f"multipart/form-data; boundary={boundary}"})

    def login(self, username, password):
        token = CSRF_RE.search(self.get("/login").text).group(1)
        return self.post("/login", data={"username": username, "password": password,
                                         "csrf_token": token})



def seed(tmp: Path, db_url: str, *, create=True):
    """Accounts, a course with a ready video (stand-in files) and a video lesson to
    upload into, and a search index: written in-process, served by the subprocesses."""
    from config import TestingConfig
    from mooc import create_app
    from mooc.extensions import db
    from mooc.search import services as search
    from mooc.video import media
    from tests import factories
    from tests.catalog_factories import make_course, make_lesson
    from tests.video.test_video_media import BODY, ready_video

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = db_url
        MEDIA_ROOT = tmp / "media"
        SEARCH_INDEX_DIR = tmp / "search_index"
        INSTANCE_DIR = tmp / "instance"
        SECRET_KEY = SECRET
        SERVER_NAME = None

    app = create_app(Config)
    with app.app_context():
        if create:
            db.create_all()
        teacher = factories.make_user(username="teacher", role="instructor")
        learner = factories.make_user(username="learner")
        course = make_course(title="视频课程", owner=teacher, lessons=0)
        watch = make_lesson(course, "红船精神讲座", kind="video", actor=teacher)
        upload = make_lesson(course, "待上传的视频", kind="video", actor=teacher)
        asset = ready_video(watch)
        search.rebuild()
        with app.test_request_context():
            url = media.media_url(learner, asset, "360.mp4")
        info = {"media_url": url, "body": BODY, "course_id": course.id,
                "upload_lesson_id": upload.id, "password": factories.PASSWORD}
        db.session.remove()
        db.engine.dispose()
    return app, info
