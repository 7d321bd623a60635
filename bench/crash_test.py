"""Crash test: `kill -9` the real server under write load; no acknowledged write may be lost.

crash_README
============

What it does
------------
1. Makes a fresh world under ``bench/work/crash/`` (SQLite database, instance dir,
   media, search index: nothing else is touched), builds the schema with the app's
   migrations and prepares, through the app's own services, an instructor, learners, a
   published course with a quiz lesson (fill-in questions, unlimited attempts, no time
   limit) and a video lesson whose asset is marked ready (duration 10 h, so nobody
   completes it during the run).
2. Starts the real server exactly as ``make run`` does — ``gunicorn -c
   python:mooc.gunicorn_conf 'mooc:create_app()'`` with 2 gthread workers — plus the huey
   worker (``flask --app mooc worker``), both in one process group, on a free loopback port.
3. Client threads drive load over real HTTP: quiz learners start attempts, autosave
   answers as fast as they can and submit; video learners open a watch session and send
   heartbeats in real time (``VIDEO_HEARTBEAT_SECONDS=1``). Every client retries a request
   on connection errors (and 5xx) until it gets an answer, resending it unchanged, as
   quiz.js and player.js do. Each write the server acknowledged (2xx with a body) is
   recorded.
4. Meanwhile the main thread ``kill -9``s the whole process group at random moments
   (``--kills``, default 20), restarts it and lets the clients carry on.
5. At the end it stops the clients, kills the server one last time and checks the
   database file directly:

   * **answers**: for every attempt and question, the stored response is the last
     acknowledged autosave, or a later one that was sent but whose answer was lost;
   * **submissions**: every acknowledged submit has its attempt ``submitted``; each
     learner has exactly as many submitted attempts as acknowledged submits (plus one
     at most when a submit was still in flight at the end): a submit never counts twice;
     at most one open attempt per learner;
   * **progress**: each learner's lesson progress is at least the highest coverage the
     server acknowledged, every fully credited acknowledged segment is inside the stored
     watched intervals, and the session's ``last_seq`` is at least the last acknowledged
     ``seq``;
   * **duplicates**: no duplicate (attempt, question) answers, (user, lesson) progress
     rows or (quiz, user, number) attempts;
   * ``PRAGMA integrity_check`` = ok and ``PRAGMA foreign_key_check`` is empty.

   It prints the figures and exits 1 on any loss, duplicate or corruption (2 when the
   server could not be started).

How to run
----------
::

    .venv/bin/python -m bench.crash_test --kills 20           # ~5 min on an idle 2-core box
    .venv/bin/python -m bench.crash_test --kills 5 --quiz-clients 2 --video-clients 2
    .venv/bin/python -m bench.crash_test --help

Each restart loads the app and jieba (≈5 s idle, ≈20 s on a busy machine), so the run
is mostly restarts; ``--max-seconds`` (default 600) caps the load phase whatever happens.
It is deliberately not part of ``make test`` (it starts real servers and takes minutes).
Traffic goes only to 127.0.0.1, every loop is bounded by ``--kills`` and ``--max-seconds``,
and the script stops every process it started. The server's log is in
``bench/work/crash/server.log``; the work directory is recreated on every run.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
WORK = BENCH_DIR / "work" / "crash"
PASSWORD = "crash-test-1234"
DURATION = 36000.0  # the video asset's measured duration (10 h)
CSRF_RE = re.compile(r'name="csrf[-_]token"[^>]*(?:content|value)="([^"]+)"')
ATTEMPT_RE = re.compile(r"/quiz/attempts/(\d+)")
CONNECTION_ERRORS = (ConnectionError, http.client.HTTPException, socket.timeout, OSError)


# --------------------------------------------------------------------------
# Environment and preparation
# --------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(work: Path, port: int) -> dict:
    env = dict(os.environ)
    env.update({
        "MOOC_ENV": "development",
        "PYTHONPATH": str(ROOT),
        "SECRET_KEY": "crash-test-secret-key-0123456789",
        "DATABASE_URL": f"sqlite:///{work / 'instance' / 'mooc.sqlite3'}",
        "INSTANCE_DIR": str(work / "instance"),
        "HUEY_SQLITE_PATH": str(work / "instance" / "jobs.sqlite3"),
        "MEDIA_ROOT": str(work / "media"),
        "SEARCH_INDEX_DIR": str(work / "search_index"),
        "PORT": str(port),
        "BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": "2",
        "WEB_THREADS": "8",
        "ACCESS_LOG": str(work / "access.log"),
        # gunicorn 27 opens a control socket, by default in ~/.gunicorn shared by every
        # gunicorn of this user: keep ours (and its stale file after kill -9) in the work dir.
        "XDG_RUNTIME_DIR": str(work),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # cheap logins: the test is about writes
        "VIDEO_HEARTBEAT_SECONDS": "1",
        "LOGIN_LIMIT_PER_IP": "10000 per minute",
        "LOGIN_LIMIT_PER_ACCOUNT": "10000 per minute",
    })
    env.pop("REDIS_URL", None)
    return env


def prepare(env: dict, quiz_learners: int, video_learners: int) -> dict:
    """Build the schema and the sample world through the app's services (in a subprocess,
    so this process never holds the database open while the server runs)."""
    script = (
        "import json, sys; from bench.crash_test import _prepare_in_app; "
        f"print(json.dumps(_prepare_in_app({quiz_learners}, {video_learners})))"
    )
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _prepare_in_app(quiz_learners: int, video_learners: int) -> dict:
    from flask_migrate import upgrade

    from mooc import create_app
    from mooc.accounts import services as accounts
    from mooc.catalog import services as catalog
    from mooc.extensions import db
    from mooc.org import services as org_services
    from mooc.quizzes import services as quizzes
    from mooc.quizzes.formats.common import QuestionData
    from mooc.video.models import VideoAsset

    app = create_app()
    with app.app_context():
        try:
            upgrade()
        except Exception as exc:  # noqa: BLE001 — a model newer than its migration
            print(f"migrations failed ({exc!r}); creating the schema from the models",
                  file=sys.stderr)
            db.session.rollback()
        db.create_all()  # adds only what the migrations do not have yet
        committee = org_services.create_org("压测党委", "committee", None)
        branch = org_services.create_org("压测支部", "branch", committee)
        owner = accounts.create_user("crash-teacher", "压测讲师", PASSWORD, role="instructor",
                                     category="full_member", org=branch)
        course = catalog.create_course(owner, title="断电测试课程", owners=[owner],
                                       visibility="open", orgs=[], categories=[])
        catalog.add_chapter(course, owner, "第一章")
        chapter = course.chapters[0]
        catalog.create_lesson(course, owner, chapter=chapter, title="导读", body="# 导读\n\n学习。")
        quiz_lesson = catalog.create_lesson(course, owner, chapter=chapter, title="随堂测验",
                                            body="测验", kind="quiz")
        video_lesson = catalog.create_lesson(course, owner, chapter=chapter, title="视频课",
                                             body="视频", kind="video")
        questions = [QuestionData(kind="fill", stem=f"填空题{i}：____", accepted_answers=["答案"])
                     for i in range(1, 4)]
        quiz = quizzes.configure_quiz(quiz_lesson, questions, {"max_attempts": 0,
                                                               "time_limit_minutes": 0})
        sha = "cd" * 32
        db.session.add(VideoAsset(
            lesson_id=video_lesson.id, status="ready", source_key=f"cd/{sha}.mp4",
            source_sha256=sha, duration=DURATION, validated=True, has_poster=False,
            renditions=[{"label": 360, "file": "360.mp4", "width": 640, "height": 360,
                         "size": 1, "video_kbps": 600}]))
        catalog.publish_course(course, owner)
        users = {"quiz": [], "video": []}
        for kind, count in (("quiz", quiz_learners), ("video", video_learners)):
            for n in range(count):
                user = accounts.create_user(f"crash-{kind}-{n}", f"压测学员{kind}{n}", PASSWORD,
                                            role="learner", category="full_member", org=branch)
                users[kind].append({"id": user.id, "username": user.username})
        db.session.commit()
        world = {"course_id": course.id, "quiz_lesson_id": quiz_lesson.id,
                 "video_lesson_id": video_lesson.id, "quiz_id": quiz.id,
                 "question_ids": [item.question_id for item in quiz.items], "users": users}
        db.session.remove()
        db.engine.dispose()
    return world


# --------------------------------------------------------------------------
# The server: gunicorn + huey worker in one process group
# --------------------------------------------------------------------------

class Server:
    def __init__(self, env: dict, port: int, log_path: Path):
        self.env, self.port, self.log_path = env, port, log_path
        self.procs: list[subprocess.Popen] = []
        self.kills = 0
        self.restart_seconds: list[float] = []

    def _bin(self, name):
        candidate = Path(sys.executable).parent / name
        return str(candidate) if candidate.exists() else name

    def start(self, timeout=90.0):
        started = time.monotonic()
        log = open(self.log_path, "ab")
        # One shell in a new session: the huey worker in the background, then exec
        # gunicorn; both stay in the shell's process group, which kill() SIGKILLs whole.
        command = (f"{shlex.quote(self._bin('flask'))} --app mooc worker --workers 1 & "
                   f"exec {shlex.quote(self._bin('gunicorn'))} -c python:mooc.gunicorn_conf "
                   "'mooc:create_app()'")
        gunicorn = subprocess.Popen(["/bin/sh", "-c", command], env=self.env, cwd=ROOT,
                                    stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        log.close()
        self.procs = [gunicorn]
        deadline = started + timeout
        while time.monotonic() < deadline:
            if gunicorn.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {gunicorn.returncode}; see {self.log_path}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/login")
                if conn.getresponse().status == 200:
                    conn.close()
                    self.restart_seconds.append(time.monotonic() - started)
                    return
            except CONNECTION_ERRORS:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not ready after {timeout:.0f} s; see {self.log_path}")

    def kill(self):
        """SIGKILL the whole process group (master, workers, huey), like a power cut to it."""
        if not self.procs:
            return
        try:
            os.killpg(self.procs[0].pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs = []
        self.kills += 1


# --------------------------------------------------------------------------
# A minimal HTTP client with cookies that retries on connection errors
# --------------------------------------------------------------------------

class Stopped(Exception):
    """The run is over and the server is no longer answering."""


@dataclass
class Answer:
    status: int
    headers: object
    body: bytes

    def json(self):
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


@dataclass
class Counters:
    connection_errors: int = 0
    server_errors: int = 0
    requests: int = 0


class Client:
    def __init__(self, port: int, hard_stop: threading.Event, counters: Counters):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.hard_stop = hard_stop
        self.counters = counters
        self.csrf = None

    def _once(self, method, path, body=None, headers=None, timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            all_headers = dict(headers or {})
            if self.cookies:
                all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
            for raw in response.headers.get_all("Set-Cookie") or []:
                pair = raw.split(";", 1)[0]
                name, _, value = pair.partition("=")
                if not value or "max-age=0" in raw.lower() or "expires=thu, 01 jan 1970" in raw.lower():
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value.strip()
            return Answer(response.status, response.headers, data)
        finally:
            conn.close()

    def request(self, method, path, body=None, headers=None):
        """Send until the server answers with something other than a 5xx; same request each time."""
        delay = 0.05
        while True:
            if self.hard_stop.is_set():
                raise Stopped()
            self.counters.requests += 1
            try:
                answer = self._once(method, path, body, headers)
            except CONNECTION_ERRORS:
                self.counters.connection_errors += 1
            else:
                if answer.status < 500:
                    return answer
                self.counters.server_errors += 1
            time.sleep(delay + random.random() * delay)
            delay = min(1.0, delay * 2)

    def get(self, path):
        return self.request("GET", path)

    def post_form(self, path, fields):
        return self.request("POST", path, urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def post_json(self, path, payload):
        return self.request("POST", path, json.dumps(payload).encode(),
                            {"Content-Type": "application/json", "X-CSRFToken": self.csrf or "",
                             "Accept": "application/json"})

    def fetch_csrf(self, path):
        answer = self.get(path)
        match = CSRF_RE.search(answer.body.decode("utf-8", "replace"))
        if not match:
            raise RuntimeError(f"no CSRF token on {path} ({answer.status})")
        self.csrf = match.group(1)
        return self.csrf

    def login(self, username):
        while True:
            token = self.fetch_csrf("/login")
            answer = self.post_form("/login", {"username": username, "password": PASSWORD,
                                               "csrf_token": token})
            if answer.status == 302:
                return
            if answer.status == 400:  # the token's session was lost with a kill: fetch again
                continue
            raise RuntimeError(f"login of {username} answered {answer.status}")


# --------------------------------------------------------------------------
# Load: quiz learners and video learners
# --------------------------------------------------------------------------

@dataclass
class QuizRecord:
    user_id: int
    # attempt_id → question_id → list of (value, acknowledged) in sending order
    sent: dict = field(default_factory=dict)
    acked_saves: int = 0
    acked_submits: list = field(default_factory=list)   # attempt ids
    submit_in_flight: int | None = None
    started: set = field(default_factory=set)
    unexpected: list = field(default_factory=list)


@dataclass
class VideoRecord:
    user_id: int
    acked_beats: int = 0
    duplicates_acked: int = 0
    max_coverage: float = 0.0
    acked_segments: list = field(default_factory=list)   # fully credited segments
    last_seq: dict = field(default_factory=dict)         # session token → last acked seq
    sessions_opened: int = 0
    unexpected: list = field(default_factory=list)


def quiz_learner(client: Client, world: dict, user: dict, record: QuizRecord,
                 stop: threading.Event, rng: random.Random):
    lesson_page = f"/courses/{world['course_id']}/lessons/{world['quiz_lesson_id']}"
    client.login(user["username"])
    client.fetch_csrf(lesson_page)
    while not stop.is_set():
        answer = client.post_form(f"/quiz/{world['quiz_lesson_id']}/start",
                                  {"csrf_token": client.csrf})
        match = ATTEMPT_RE.search(answer.headers.get("Location") or "")
        if answer.status != 302 or not match:
            record.unexpected.append(f"start → {answer.status}")
            client.fetch_csrf(lesson_page)
            continue
        attempt_id = int(match.group(1))
        record.started.add(attempt_id)
        per_question = record.sent.setdefault(attempt_id, {})
        for step in range(rng.randint(3, 10)):
            if stop.is_set():
                break
            question_id = rng.choice(world["question_ids"])
            value = f"u{user['id']}-a{attempt_id}-s{step}-{rng.randrange(10 ** 6)}"
            entry = [value, False]
            per_question.setdefault(question_id, []).append(entry)
            answer = client.post_json(f"/api/quiz/attempts/{attempt_id}/answers",
                                      {"answers": {str(question_id): value}})
            body = answer.json()
            if answer.status == 200 and isinstance(body, dict) and body.get("saved_at"):
                entry[1] = True
                record.acked_saves += 1
            elif answer.status == 400 and isinstance(body, dict) and body.get("reason") == "csrf":
                client.fetch_csrf(lesson_page)
            else:
                record.unexpected.append(f"save → {answer.status} {answer.body[:120]!r}")
        record.submit_in_flight = attempt_id
        while True:
            answer = client.post_json(f"/api/quiz/attempts/{attempt_id}/submit", {})
            body = answer.json()
            if answer.status == 200 and isinstance(body, dict) and body.get("status") == "submitted":
                record.acked_submits.append(attempt_id)
                record.submit_in_flight = None
                break
            if answer.status == 400 and isinstance(body, dict) and body.get("reason") == "csrf":
                client.fetch_csrf(lesson_page)
                continue
            record.unexpected.append(f"submit → {answer.status} {answer.body[:120]!r}")
            break


def video_learner(client: Client, world: dict, user: dict, record: VideoRecord,
                  stop: threading.Event, rng: random.Random):
    lesson_id = world["video_lesson_id"]
    lesson_page = f"/courses/{world['course_id']}/lessons/{lesson_id}"
    client.login(user["username"])
    client.fetch_csrf(lesson_page)

    def open_session():
        while True:
            answer = client.post_json(f"/api/video/lessons/{lesson_id}/sessions", {})
            body = answer.json()
            if answer.status == 200 and isinstance(body, dict) and body.get("session_id"):
                record.sessions_opened += 1
                return body
            if answer.status == 400 and isinstance(body, dict) and body.get("reason") == "csrf":
                client.fetch_csrf(lesson_page)
                continue
            raise RuntimeError(f"open session → {answer.status} {answer.body[:200]!r}")

    opened = open_session()
    session_id, seq = opened["session_id"], 1
    position = float(opened.get("frontier") or 0.0)
    last_made = time.monotonic()
    while not stop.is_set():
        time.sleep(0.55 + rng.random() * 0.3)
        played = min(4.0, time.monotonic() - last_made)   # real time: within the server's budget
        last_made = time.monotonic()
        segment = [round(position, 3), round(position + played, 3)]
        beat = {"seq": seq, "segments": [segment], "rate": 1, "position": segment[1],
                "final": False}
        while True:   # the same beat until the server has read it (player.js does this)
            answer = client.post_json(f"/api/video/sessions/{session_id}/beats", beat)
            body = answer.json() if answer.body else None
            if not isinstance(body, dict):
                record.unexpected.append(f"beat → {answer.status} {answer.body[:120]!r}")
                break
            if answer.status == 200:
                record.acked_beats += 1
                record.last_seq[session_id] = seq
                record.max_coverage = max(record.max_coverage, float(body.get("coverage") or 0))
                if body.get("status") == "ok":
                    record.acked_segments.append(segment)
                elif body.get("status") == "duplicate":
                    record.duplicates_acked += 1
                elif body.get("status") != "partially_credited":
                    record.unexpected.append(f"beat status {body.get('status')}")
                seq += 1
                position = segment[1]
                break
            if answer.status == 429:
                time.sleep(0.6)
                continue
            if answer.status == 400 and body.get("reason") == "csrf":
                client.fetch_csrf(lesson_page)
                continue
            record.unexpected.append(f"beat → {answer.status} {body.get('reason')}")
            opened = open_session()
            session_id, seq = opened["session_id"], 1
            break


def run_client(target, port, hard_stop, stop, counters, errors, *args):
    client = Client(port, hard_stop, counters)
    try:
        target(client, *args, stop, random.Random())
    except Stopped:
        pass
    except Exception as exc:  # noqa: BLE001 — reported in the figures, fails the run
        errors.append(f"{target.__name__}: {exc!r}")


# --------------------------------------------------------------------------
# Verification against the database file
# --------------------------------------------------------------------------

def verify(db_path: Path, world: dict, quiz_records: list[QuizRecord],
           video_records: list[VideoRecord]) -> dict:
    conn = sqlite3.connect(db_path)
    problems = {"lost": [], "duplicated": []}
    lost, duplicated = problems["lost"], problems["duplicated"]

    # Quiz answers: the stored value is the last acknowledged one or a later one sent.
    stored = {(a, q): json.loads(r) if r is not None else None for a, q, r in conn.execute(
        "SELECT attempt_id, question_id, response FROM quiz_attempt_answer")}
    for record in quiz_records:
        for attempt_id, questions in record.sent.items():
            for question_id, entries in questions.items():
                acked = [i for i, (_v, ok) in enumerate(entries) if ok]
                if not acked:
                    continue
                allowed = {v for v, _ok in entries[acked[-1]:]}
                value = stored.get((attempt_id, int(question_id)))
                if value not in allowed:
                    lost.append(f"answer attempt {attempt_id} q{question_id}: stored {value!r}, "
                                f"acknowledged {entries[acked[-1]][0]!r}")
    # Submissions: each acknowledged one is submitted, and none is counted twice.
    status = dict(conn.execute("SELECT id, status FROM quiz_attempt"))
    for record in quiz_records:
        for attempt_id in record.acked_submits:
            if status.get(attempt_id) != "submitted":
                lost.append(f"submit of attempt {attempt_id}: status {status.get(attempt_id)!r}")
        submitted = conn.execute(
            "SELECT COUNT(*) FROM quiz_attempt WHERE user_id = ? AND quiz_id = ? "
            "AND status = 'submitted'", (record.user_id, world["quiz_id"])).fetchone()[0]
        expected = len(set(record.acked_submits))
        if len(record.acked_submits) != expected:
            duplicated.append(f"user {record.user_id}: one attempt acknowledged twice as a submit")
        in_flight = 1 if record.submit_in_flight is not None else 0
        if not expected <= submitted <= expected + in_flight:
            duplicated.append(f"user {record.user_id}: {submitted} submitted attempts for "
                              f"{expected} acknowledged submits (+{in_flight} in flight)")
        open_count = conn.execute(
            "SELECT COUNT(*) FROM quiz_attempt WHERE user_id = ? AND status = 'open'",
            (record.user_id,)).fetchone()[0]
        if open_count > 1:
            duplicated.append(f"user {record.user_id}: {open_count} open attempts")
    # Video progress: never below what was acknowledged.
    for record in video_records:
        row = conn.execute("SELECT progress, data FROM lesson_progress WHERE user_id = ? AND "
                           "lesson_id = ?", (record.user_id, world["video_lesson_id"])).fetchone()
        if record.acked_beats and row is None:
            lost.append(f"video user {record.user_id}: no progress row")
            continue
        if row is None:
            continue
        progress, data = row[0], json.loads(row[1] or "{}")
        if progress + 1e-4 < record.max_coverage:
            lost.append(f"video user {record.user_id}: progress {progress:.4f} < acknowledged "
                        f"{record.max_coverage:.4f}")
        intervals = [tuple(map(float, i)) for i in data.get("intervals", [])]
        for start, end in record.acked_segments:
            if not any(s - 0.01 <= start and end <= e + 0.01 for s, e in intervals):
                lost.append(f"video user {record.user_id}: acknowledged segment "
                            f"[{start}, {end}] not in stored intervals")
                break
        for token, seq in record.last_seq.items():
            got = conn.execute("SELECT last_seq FROM video_watch_session WHERE token = ?",
                               (token,)).fetchone()
            if got is None or got[0] < seq:
                lost.append(f"video user {record.user_id}: session last_seq "
                            f"{got and got[0]} < acknowledged {seq}")
    # Unique rows.
    for label, sql in (
        ("answer rows", "SELECT attempt_id, question_id, COUNT(*) FROM quiz_attempt_answer "
                        "GROUP BY 1, 2 HAVING COUNT(*) > 1"),
        ("progress rows", "SELECT user_id, lesson_id, COUNT(*) FROM lesson_progress "
                          "GROUP BY 1, 2 HAVING COUNT(*) > 1"),
        ("attempt numbers", "SELECT quiz_id, user_id, number, COUNT(*) FROM quiz_attempt "
                            "GROUP BY 1, 2, 3 HAVING COUNT(*) > 1"),
    ):
        for row in conn.execute(sql):
            duplicated.append(f"{label}: {row}")
    integrity = "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check"))
    fk_problems = conn.execute("PRAGMA foreign_key_check").fetchall()
    counts = {
        "attempts": conn.execute("SELECT COUNT(*) FROM quiz_attempt").fetchone()[0],
        "answer_rows": conn.execute("SELECT COUNT(*) FROM quiz_attempt_answer").fetchone()[0],
    }
    conn.close()
    return {**problems, "integrity": integrity, "foreign_key_problems": fk_problems, **counts}


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crash_test",
                                     description="kill -9 the server under load; check nothing "
                                                 "acknowledged was lost (see the module docstring)")
    parser.add_argument("--kills", type=int, default=20, help="kill -9 this many times (≥ 1)")
    parser.add_argument("--min-gap", type=float, default=1.5,
                        help="least seconds of service between a restart and the next kill")
    parser.add_argument("--max-gap", type=float, default=6.0,
                        help="most seconds of service between a restart and the next kill")
    parser.add_argument("--quiz-clients", type=int, default=6)
    parser.add_argument("--video-clients", type=int, default=24)  # ≈ 35 beats/s
    parser.add_argument("--max-seconds", type=float, default=600,
                        help="hard limit for the load phase")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "crash-results.md",
                        help="where the figures are written as Markdown")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(10 ** 6)
    rng = random.Random(seed)

    work = args.work.resolve()
    if work.exists():
        shutil.rmtree(work)
    (work / "instance").mkdir(parents=True)
    port = free_port()
    env = environment(work, port)
    print(f"crash test: seed {seed}, port {port}, work dir {work}", flush=True)
    t0 = time.monotonic()
    world = prepare(env, args.quiz_clients, args.video_clients)
    print(f"prepared in {time.monotonic() - t0:.1f} s: course {world['course_id']}, "
          f"quiz lesson {world['quiz_lesson_id']}, video lesson {world['video_lesson_id']}",
          flush=True)

    server = Server(env, port, work / "server.log")
    stop, hard_stop = threading.Event(), threading.Event()
    counters, errors = Counters(), []
    quiz_records = [QuizRecord(u["id"]) for u in world["users"]["quiz"]]
    video_records = [VideoRecord(u["id"]) for u in world["users"]["video"]]
    threads = []
    try:
        server.start()
        for user, record in zip(world["users"]["quiz"], quiz_records):
            threads.append(threading.Thread(target=run_client, daemon=True, args=(
                quiz_learner, port, hard_stop, stop, counters, errors, world, user, record)))
        for user, record in zip(world["users"]["video"], video_records):
            threads.append(threading.Thread(target=run_client, daemon=True, args=(
                video_learner, port, hard_stop, stop, counters, errors, world, user, record)))
        for thread in threads:
            thread.start()
        load_started = time.monotonic()
        while server.kills < args.kills and time.monotonic() - load_started < args.max_seconds:
            time.sleep(rng.uniform(args.min_gap, args.max_gap))
            server.kill()
            print(f"  kill {server.kills:2d} at {time.monotonic() - load_started:6.1f} s "
                  f"(acked so far: {sum(r.acked_saves for r in quiz_records)} saves, "
                  f"{sum(len(r.acked_submits) for r in quiz_records)} submits, "
                  f"{sum(r.acked_beats for r in video_records)} beats)", flush=True)
            time.sleep(rng.uniform(0, 0.5))
            server.start()
        time.sleep(2.0)       # a little service after the last restart
        stop.set()            # clients finish the request they are on (retrying if needed)
        for thread in threads:
            thread.join(timeout=60)
        hard_stop.set()
        for thread in threads:
            thread.join(timeout=10)
        load_seconds = time.monotonic() - load_started
        kills_under_load = server.kills
        server.kill()         # the last one: the file is checked as a crash left it
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        hard_stop.set()
        stop.set()
        server.kill()
        print(f"crash test could not run: {exc}", file=sys.stderr)
        return 2
    finally:
        hard_stop.set()

    result = verify(Path(work / "instance" / "mooc.sqlite3"), world, quiz_records, video_records)
    unexpected = [u for r in quiz_records + video_records for u in r.unexpected]
    figures = {
        "kills_under_load": kills_under_load,
        "final_kill_before_check": True,
        "load_seconds": round(load_seconds, 1),
        "restart_seconds_median": round(sorted(server.restart_seconds)[
            len(server.restart_seconds) // 2], 2) if server.restart_seconds else None,
        "requests": counters.requests,
        "connection_errors_retried": counters.connection_errors,
        "server_errors_5xx_retried": counters.server_errors,
        "acknowledged": {
            "quiz_autosaves": sum(r.acked_saves for r in quiz_records),
            "quiz_submits": sum(len(r.acked_submits) for r in quiz_records),
            "heartbeats": sum(r.acked_beats for r in video_records),
            "heartbeats_answered_duplicate": sum(r.duplicates_acked for r in video_records),
            "watch_sessions_opened": sum(r.sessions_opened for r in video_records),
        },
        "db_rows": {"attempts": result["attempts"], "answers": result["answer_rows"]},
        "lost": len(result["lost"]),
        "duplicated": len(result["duplicated"]),
        "integrity_check": result["integrity"],
        "foreign_key_problems": len(result["foreign_key_problems"]),
        "unexpected_answers": len(unexpected),
        "client_errors": errors,
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    for line in result["lost"][:20]:
        print("LOST:", line)
    for line in result["duplicated"][:20]:
        print("DUPLICATED:", line)
    for line in unexpected[:20]:
        print("UNEXPECTED:", line)
    ok = (not result["lost"] and not result["duplicated"] and result["integrity"] == "ok"
          and not result["foreign_key_problems"] and not errors
          and figures["acknowledged"]["quiz_autosaves"] > 0
          and figures["acknowledged"]["heartbeats"] > 0)
    print("crash test:", "PASSED" if ok else "FAILED")
    args.output.write_text(render_report(seed, args, figures, ok), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0 if ok else 1


def render_report(seed, args, figures, ok) -> str:
    acked = figures["acknowledged"]
    rows = [
        ("result", "**PASSED**" if ok else "**FAILED**"),
        ("kill -9 of the whole server (master, workers, huey) under load",
         figures["kills_under_load"]),
        ("load phase", f"{figures['load_seconds']} s"),
        ("median restart until the server answers", f"{figures['restart_seconds_median']} s"),
        ("requests sent", figures["requests"]),
        ("connection errors retried / 5xx retried",
         f"{figures['connection_errors_retried']} / {figures['server_errors_5xx_retried']}"),
        ("acknowledged quiz autosaves", acked["quiz_autosaves"]),
        ("acknowledged quiz submits", acked["quiz_submits"]),
        ("acknowledged heartbeats", acked["heartbeats"]),
        ("watch sessions opened", acked["watch_sessions_opened"]),
        ("**lost** acknowledged writes", figures["lost"]),
        ("**duplicated** writes", figures["duplicated"]),
        ("PRAGMA integrity_check", figures["integrity_check"]),
        ("foreign-key problems", figures["foreign_key_problems"]),
    ]
    table = "\n".join(f"| {k} | {v} |" for k, v in rows)
    return (f"# Crash test\n\n`python -m bench.crash_test --kills {args.kills} --seed {seed}` "
            f"({args.quiz_clients} quiz and {args.video_clients} video clients), "
            f"{time.strftime('%Y-%m-%d %H:%M')}, SQLite (WAL), gunicorn 2 gthread workers + "
            f"huey worker. What is checked: the docstring of `bench/crash_test.py`.\n\n"
            f"| figure | value |\n|---|---|\n{table}\n")


if __name__ == "__main__":
    sys.exit(main())
