"""Load run against the real server, started the way `make run` starts it.

gunicorn -c python:mooc.gunicorn_conf 'mooc:create_app()' (WEB_WORKERS=2, gthread) plus
`flask --app mooc worker`, on a free 127.0.0.1 port, on a fresh copy of the generated
database (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set). Both run in their own
process groups and are always stopped (try/finally).

Client: pure Python (http.client keep-alive connections, threads, forked client
processes so the client's GIL is not the bottleneck). Members sign in over HTTP with
CSRF tokens taken from the pages, as a browser does. Phases, each bounded in time:

  sequential   one request at a time per kind on an idle server (single-request cost,
               incl. the dashboard at 10k members when /dashboard/ exists)
  baseline     GET /healthz only: the same-run yardstick for every ratio
  pages        catalogue, course, text/video lesson pages, search
  writes       video heartbeats (real watch sessions), quiz start/page/autosave/submit,
               lesson visits
  dashboard    /dashboard/ as the committee admin and the general-branch leads
  mixed        a blend of all of the above

Only loopback traffic; every loop stops at its deadline.
"""
from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

from bench import ROOT, bench_env, external_database_url, paths, wrk_bench

BIN = ROOT / ".venv" / "bin"
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"|name="csrf_token" type="hidden" '
                     r'value="([^"]+)"|name="csrf_token" value="([^"]+)"|'
                     r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"')
ATTEMPT_RE = re.compile(r"/quiz/attempts/(\d+)")
SEARCH_TERMS = ["党建", "党章", "民主集中制", "三会一课", "组织生活会", "党史学习教育", "廉政",
                "发展党员", "党费", "主题党日"]
OK_STATUS = {"login": {302}, "quiz_start": {302}}


def log(msg):
    print(f"[load] {msg}", flush=True)


# --------------------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_run_database(members):
    """A fresh copy of the cached SQLite database (the run writes to it)."""
    p = paths(members)
    if p["run"].exists():
        shutil.rmtree(p["run"])
    p["instance"].mkdir(parents=True)
    p["logs"].mkdir(parents=True, exist_ok=True)
    if external_database_url():
        return
    src = sqlite3.connect(str(p["cache_db"]))
    dst = sqlite3.connect(str(p["run_db"]))
    with dst:
        src.backup(dst)
    src.close()
    dst.close()


class Server:
    def __init__(self, members, *, workers=2, threads=8, beat_interval=1.0):
        self.port = free_port()
        self.workers = workers
        self.base = f"127.0.0.1:{self.port}"
        p = paths(members)
        self.env = {**os.environ, **bench_env(members, for_run=True),
                    "PORT": str(self.port), "WEB_WORKERS": str(workers),
                    "WEB_THREADS": str(threads),
                    # every member signs in from 127.0.0.1: lift the per-IP login throttle
                    "LOGIN_LIMIT_PER_IP": "100000 per minute",
                    "LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
                    # 0.2 s: wrk's members may beat 5× a second (flood guard 0.1 s); the
                    # Python client still paces its own members at `beat_interval`.
                    "VIDEO_HEARTBEAT_SECONDS": str(min(beat_interval,
                                                       wrk_bench.SERVER_BEAT_INTERVAL))}
        self.logs = p["logs"]
        self.procs = {}
        self.files = []

    def _spawn(self, name, args):
        out = open(self.logs / f"{name}.log", "wb")
        self.files.append(out)
        self.procs[name] = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def start(self, timeout=90):
        self._spawn("worker", [str(BIN / "flask"), "--app", "mooc", "worker"])
        self._spawn("gunicorn", [str(BIN / "gunicorn"), "-c", "python:mooc.gunicorn_conf",
                                 "mooc:create_app()"])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}; see "
                                       f"{self.logs / (name + '.log')}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                resp = conn.getresponse()
                resp.read()
                conn.close()
                if resp.status == 200 and len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("server did not become healthy in time")

    def worker_pids(self):
        master = self.procs["gunicorn"].pid
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                if ppid == master:
                    pids.append(int(entry.name))
        return sorted(pids)

    def memory(self):
        """RSS and PSS (MiB) of the gunicorn master, its workers and the huey worker."""
        out = {}
        targets = [("master", self.procs["gunicorn"].pid)]
        targets += [(f"worker{i + 1}", pid) for i, pid in enumerate(self.worker_pids())]
        targets.append(("huey", self.procs["worker"].pid))
        for label, pid in targets:
            out[label] = proc_memory(pid)
        return out

    def cpu_seconds(self):
        """CPU time (user + system) used so far by the master, its workers and huey."""
        pids = [self.procs["gunicorn"].pid, self.procs["worker"].pid, *self.worker_pids()]
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])   # utime, stime (clock ticks)
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self):
        for name, proc in self.procs.items():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 25
        for name, proc in self.procs.items():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=5)
        for f in self.files:
            f.close()


def proc_memory(pid):
    info = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "RssAnon:", "RssFile:", "RssShmem:")):
                key, value = line.split(":", 1)
                info[key.lower()] = round(int(value.split()[0]) / 1024, 1)
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                info["pss"] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return info


# --------------------------------------------------------------------------------------
# Client
# --------------------------------------------------------------------------------------
class Conn:
    """One keep-alive connection; users' cookies travel with each request."""

    def __init__(self, port):
        self.port = port
        self.http = None

    def request(self, method, path, *, user=None, body=None, headers=None):
        hdrs = {"Host": f"127.0.0.1:{self.port}", "Accept-Language": "zh-CN"}
        if headers:
            hdrs.update(headers)
        if user is not None and user["cookies"]:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in user["cookies"].items())
        for attempt in range(2):
            if self.http is None:
                self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            started = time.perf_counter()
            try:
                self.http.request(method, path, body=body, headers=hdrs)
                resp = self.http.getresponse()
                data = resp.read()
            except (http.client.HTTPException, OSError):
                self.http.close()
                self.http = None
                if attempt:
                    raise
                continue   # a keep-alive connection the server had closed: retry once
            elapsed = time.perf_counter() - started
            if user is not None:
                for header in resp.headers.get_all("Set-Cookie") or []:
                    pair = header.split(";", 1)[0]
                    name, _, value = pair.partition("=")
                    if "max-age=0" in header.lower() or "expires=thu, 01 jan 1970" in header.lower():
                        user["cookies"].pop(name.strip(), None)
                    else:
                        user["cookies"][name.strip()] = value.strip()
            if resp.getheader("Connection", "").lower() == "close":
                self.http.close()
                self.http = None
            return resp.status, resp, data, elapsed
        raise RuntimeError("unreachable")


def csrf_from(html: bytes):
    m = CSRF_RE.search(html.decode("utf-8", "replace"))
    return next((g for g in m.groups() if g), None) if m else None


def login(conn, username, password):
    """Sign in through the form; returns the user state (cookies, CSRF token) and timing."""
    user = {"username": username, "cookies": {}}
    status, _r, html, _t = conn.request("GET", "/login", user=user)
    token = csrf_from(html)
    if status != 200 or not token:
        raise RuntimeError(f"login page for {username}: HTTP {status}, token {bool(token)}")
    body = urllib.parse.urlencode({"csrf_token": token, "username": username,
                                   "password": password})
    status, _r, _d, elapsed = conn.request(
        "POST", "/login", user=user, body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    if status != 302:
        raise RuntimeError(f"login of {username}: HTTP {status}")
    status, _r, html, _t = conn.request("GET", "/courses", user=user)
    user["csrf"] = csrf_from(html)
    if not user["csrf"]:
        raise RuntimeError(f"no CSRF token on /courses for {username} (HTTP {status})")
    return user, elapsed


class Recorder:
    def __init__(self):
        self.lat = {}
        self.errors = {}
        self.samples = {}

    def add(self, kind, status, elapsed, ok=None):
        self.lat.setdefault(kind, []).append(elapsed)
        good = status in OK_STATUS.get(kind, {200}) if ok is None else ok
        if not good:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            self.samples.setdefault(kind, {}).setdefault(str(status), 0)
            self.samples[kind][str(status)] += 1

    def merge(self, other):
        for k, v in other["lat"].items():
            self.lat.setdefault(k, []).extend(v)
        for k, v in other["errors"].items():
            self.errors[k] = self.errors.get(k, 0) + v
        for k, v in other["samples"].items():
            for s, n in v.items():
                self.samples.setdefault(k, {}).setdefault(s, 0)
                self.samples[k][s] += n

    def dump(self):
        return {"lat": self.lat, "errors": self.errors, "samples": self.samples}


class Actor:
    """What one signed-in member does; state lives in the user dict (survives phases)."""

    def __init__(self, conn, rec, manifest, rng, beat_interval):
        self.conn, self.rec, self.rng = conn, rec, rng
        self.beat_interval = beat_interval
        self.by_id = {c["id"]: c for c in manifest["courses"]}

    def _req(self, kind, method, path, user, **kw):
        try:
            status, resp, data, elapsed = self.conn.request(method, path, user=user, **kw)
        except (OSError, http.client.HTTPException) as exc:
            self.rec.add(kind, type(exc).__name__, 0.0, ok=False)
            return None, None, b""
        self.rec.add(kind, status, elapsed)
        return status, resp, data

    def _json(self, kind, path, user, payload):
        return self._req(kind, "POST", path, user, body=json.dumps(payload),
                         headers={"Content-Type": "application/json",
                                  "X-CSRFToken": user["csrf"]})

    def course_of(self, user):
        return self.by_id[self.rng.choice(user["courses"])]

    # read-only pages
    def healthz(self, user):
        self._req("healthz", "GET", "/healthz", None)

    def live(self, user):
        self._req("live", "GET", "/healthz/live", None)

    def catalogue(self, user):
        self._req("catalogue", "GET", "/courses", user)

    def course(self, user):
        self._req("course", "GET", f"/courses/{self.course_of(user)['id']}", user)

    def lesson(self, user, kind):
        course = self.course_of(user)
        lesson = self.rng.choice([l for l in course["lessons"] if l["kind"] == kind])
        self._req(f"lesson_{kind}", "GET", f"/courses/{course['id']}/lessons/{lesson['id']}",
                  user)

    def lesson_text(self, user):
        self.lesson(user, "text")

    def lesson_video(self, user):
        self.lesson(user, "video")

    def search(self, user):
        q = urllib.parse.quote(self.rng.choice(SEARCH_TERMS))
        self._req("search", "GET", f"/search?q={q}", user)

    def dashboard(self, user):
        self._req("dashboard", "GET", "/dashboard/", user)

    def members(self, user):
        """A page of the member list (issue 16): the admin's covers all 10,000 members."""
        page = self.rng.randint(1, 20)
        self._req("members", "GET", f"/members/?page={page}", user)

    # writes
    def visit(self, user):
        course = self.course_of(user)
        lesson = self.rng.choice(course["lessons"])
        self._req("lesson_visit", "POST", f"/courses/{course['id']}/lessons/{lesson['id']}/visit",
                  user, body=b"", headers={"X-CSRFToken": user["csrf"]})

    def beat_due(self, user):
        return time.monotonic() >= user.get("next_beat", 0.0)

    def heartbeat(self, user):
        watch = user.get("watch")
        if watch is None or watch["position"] >= watch["duration"] - 0.5:
            course = self.course_of(user)
            lesson = self.rng.choice([l for l in course["lessons"] if l["kind"] == "video"])
            status, _r, data = self._req("watch_open", "POST",
                                         f"/api/video/lessons/{lesson['id']}/sessions", user,
                                         body=b"", headers={"X-CSRFToken": user["csrf"]})
            if status != 200:
                user["next_beat"] = time.monotonic() + self.beat_interval
                return
            body = json.loads(data)
            start = 0.0 if body.get("completed") else float(body.get("frontier") or 0.0)
            watch = user["watch"] = {"url": body["beat_url"], "seq": 0, "position": start,
                                     "duration": float(body["duration"]),
                                     "last": time.monotonic()}
            if start >= watch["duration"] - 0.5:
                watch["position"] = 0.0
            user["next_beat"] = time.monotonic() + self.beat_interval
            return
        now = time.monotonic()
        played = min(now - watch["last"], self.beat_interval * 1.5)
        end = min(watch["duration"], watch["position"] + played)
        payload = {"seq": watch["seq"] + 1, "segments": [[round(watch["position"], 3),
                                                           round(end, 3)]],
                   "rate": 1.0, "position": round(end, 3), "final": False}
        status, _r, _d = self._json("heartbeat", watch["url"], user, payload)
        if status == 200:
            watch["seq"] += 1
            watch["position"] = end
            watch["last"] = now
        elif status in (404, 409):
            user["watch"] = None
        user["next_beat"] = time.monotonic() + self.beat_interval

    def quiz_step(self, user):
        quiz = user.get("quiz")
        if quiz is None:
            course = self.course_of(user)
            info = course["quiz"]
            status, resp, _d = self._req(
                "quiz_start", "POST", f"/quiz/{info['lesson_id']}/start", user,
                body=urllib.parse.urlencode({"csrf_token": user["csrf"]}),
                headers={"Content-Type": "application/x-www-form-urlencoded"})
            m = ATTEMPT_RE.search(resp.getheader("Location", "") if resp else "")
            if status == 302 and m:
                user["quiz"] = {"attempt": int(m.group(1)), "info": info, "saved": 0,
                                "paged": False}
            return
        if not quiz["paged"]:
            self._req("quiz_page", "GET", f"/quiz/attempts/{quiz['attempt']}", user)
            quiz["paged"] = True
            return
        info = quiz["info"]
        if quiz["saved"] < 3:
            qids = self.rng.sample(info["question_ids"], 2)
            status, _r, _d = self._json("quiz_autosave",
                                        f"/api/quiz/attempts/{quiz['attempt']}/answers", user,
                                        {"answers": {str(q): info["answers"][str(q)] for q in qids}})
            quiz["saved"] += 1
            if status != 200:
                user["quiz"] = None
            return
        answers = {str(q): info["answers"][str(q)] for q in info["question_ids"]}
        self._json("quiz_submit", f"/api/quiz/attempts/{quiz['attempt']}/submit", user,
                   {"answers": answers})
        user["quiz"] = None


MIXES = {
    "baseline": {"live": 1},
    "pages": {"catalogue": 10, "course": 25, "lesson_text": 35, "lesson_video": 20, "search": 10},
    "writes": {"heartbeat": 0, "quiz_step": 70, "visit": 30},
    "dashboard": {"dashboard": 1, "members": 1},
    "mixed": {"heartbeat": 30, "catalogue": 5, "course": 15, "lesson_text": 25, "lesson_video": 10,
              "search": 5, "quiz_step": 20, "visit": 10, "dashboard": 2},
}


def _thread_loop(port, users, mix, deadline, manifest, seed, beat_interval, out):
    conn = Conn(port)
    rec = Recorder()
    rng = random.Random(seed)
    actor = Actor(conn, rec, manifest, rng, beat_interval)
    kinds = [k for k, w in mix.items() if w > 0]
    weights = [mix[k] for k in kinds]
    # heartbeat weight 0: beats have priority whenever one is due (the writes mix pushes
    # as many as the signed-in members may send); weight > 0: a share of the blend, sent
    # only by members whose beat is due.
    heartbeats = mix.get("heartbeat") == 0
    others = [k for k in kinds if k != "heartbeat"]
    other_weights = [mix[k] for k in others]
    dash_users = [u for u in users if u.get("dashboard")]
    members = [u for u in users if not u.get("dashboard")] or users
    i = 0
    while time.monotonic() < deadline:
        user = members[i % len(members)]
        i += 1
        if heartbeats and actor.beat_due(user):
            actor.heartbeat(user)
            continue
        kind = rng.choices(kinds, weights)[0]
        if kind == "heartbeat":
            if actor.beat_due(user):
                actor.heartbeat(user)
                continue
            kind = rng.choices(others, other_weights)[0]
        if kind in ("dashboard", "members"):
            if not dash_users:
                continue
            user = rng.choice(dash_users)
        getattr(actor, kind)(user)
    if conn.http is not None:
        conn.http.close()
    out.append(rec)


def _client_process(port, users, mix, duration_deadline, manifest, threads, seed, beat_interval,
                    pipe):
    """One client process: `threads` threads sharing this process's users."""
    results, workers = [], []
    groups = [users[i::threads] for i in range(threads)]
    for n, group in enumerate(groups):
        if not group:
            continue
        t = threading.Thread(target=_thread_loop, args=(
            port, group, mix, duration_deadline, manifest, seed * 100 + n, beat_interval, results))
        t.start()
        workers.append(t)
    for t in workers:
        t.join()
    merged = Recorder()
    for r in results:
        merged.merge(r.dump())
    pipe.send({"rec": merged.dump(), "users": users})
    pipe.close()


def run_mix(port, name, users, manifest, *, duration, processes, threads, beat_interval, seed,
            server_cpu=None):
    """Run one mix with `processes` forked clients × `threads` threads for `duration` s.

    The client processes are waited for, so their CPU time shows in os.times()'s
    children fields: the client's share of the machine is reported with the figures."""
    mix = MIXES[name]
    times0, server0 = os.times(), server_cpu() if server_cpu else None
    ctx = multiprocessing.get_context("fork")
    shares = [users[i::processes] for i in range(processes)]
    procs, pipes = [], []
    # time.monotonic is system-wide on Linux, so a deadline computed here holds in children
    deadline = time.monotonic() + duration
    started = time.perf_counter()
    for n, share in enumerate(shares):
        parent, child = ctx.Pipe(duplex=False)
        p = ctx.Process(target=_client_process, args=(
            port, share, mix, deadline, manifest, threads, seed + n, beat_interval, child))
        p.start()
        procs.append(p)
        pipes.append(parent)
    rec = Recorder()
    new_users = []
    for p, pipe in zip(procs, pipes):
        if pipe.poll(duration + 120):
            msg = pipe.recv()
            rec.merge(msg["rec"])
            new_users.extend(msg["users"])
        p.join(timeout=30)
        if p.is_alive():
            p.kill()
    elapsed = time.perf_counter() - started
    if len(new_users) == len(users):   # keep watch sessions / quiz attempts for the next mix
        users[:] = new_users
    summary = summarise(rec, elapsed)
    times1, cores = os.times(), (os.cpu_count() or 1) * elapsed
    client = (times1.children_user - times0.children_user) + \
        (times1.children_system - times0.children_system)
    summary["client_cpu_share"] = round(client / cores, 3)
    if server_cpu:
        summary["server_cpu_share"] = round((server_cpu() - server0) / cores, 3)
    return summary, elapsed


def pct(values, q):
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summarise(rec, elapsed):
    kinds = {}
    total = 0
    for kind, lat in rec.lat.items():
        total += len(lat)
        kinds[kind] = {
            "count": len(lat), "rps": round(len(lat) / elapsed, 1),
            "p50_ms": round(pct(lat, 0.5) * 1000, 2), "p95_ms": round(pct(lat, 0.95) * 1000, 2),
            "p99_ms": round(pct(lat, 0.99) * 1000, 2),
            "mean_ms": round(statistics.fmean(lat) * 1000, 2),
            "errors": rec.errors.get(kind, 0), "error_statuses": rec.samples.get(kind, {})}
    return {"seconds": round(elapsed, 1), "total": total, "rps": round(total / elapsed, 1),
            "kinds": kinds}


def sequential(port, users, admin, manifest, *, repeat, beat_interval):
    """Single-request latency per kind on an idle server (one connection, one at a time)."""
    conn = Conn(port)
    rec = Recorder()
    rng = random.Random(7)
    actor = Actor(conn, rec, manifest, rng, beat_interval)
    user = users[0]
    plan = [("live", actor.live), ("healthz", actor.healthz), ("catalogue", actor.catalogue), ("course", actor.course),
            ("lesson_text", actor.lesson_text), ("lesson_video", actor.lesson_video),
            ("search", actor.search)]
    for _ in range(3):                       # warm both workers' caches
        for _k, fn in plan:
            fn(user)
    rec.__init__()
    for _ in range(repeat):
        for _k, fn in plan:
            fn(user)
    dashboard = None
    if admin is not None:
        status, _r, _d, _t = conn.request("GET", "/dashboard/", user=admin)
        if status == 404:
            dashboard = "skipped: /dashboard/ answers 404 (issue 8 dashboards not in this tree)"
        else:
            for _ in range(2):
                conn.request("GET", "/dashboard/", user=admin)
            for _ in range(max(5, repeat // 2)):
                actor.dashboard(admin)
            for _ in range(max(5, repeat // 2)):
                actor.members(admin)
            dashboard = "ok" if status == 200 else f"HTTP {status}"
    summary = summarise(rec, 1.0)
    for v in summary["kinds"].values():
        v.pop("rps", None)
    return summary["kinds"], dashboard


def run(manifest, members, *, duration=20.0, processes=2, threads=8, logins=120,
        beat_interval=1.0, seed=1):
    """The whole load run; returns a result dict (never raises for a failed phase)."""
    result = {"config": {"duration_per_mix_s": duration, "client_processes": processes,
                         "client_threads_per_process": threads, "signed_in_members": logins,
                         "beat_interval_s": beat_interval, "web_workers": 2, "web_threads": 8},
              "phases": {}, "skipped": {}, "memory": {}}
    prepare_run_database(members)
    server = Server(members, beat_interval=beat_interval)
    try:
        _run_phases(server, result, manifest, duration, processes, threads, logins,
                    beat_interval, seed)
    except Exception as exc:  # noqa: BLE001 - keep what was measured, say what failed
        result["skipped"]["load (stopped early)"] = f"{type(exc).__name__}: {exc}"
        log(f"stopped early: {exc}")
    finally:
        server.stop()
        log("server stopped")
    return result


def _run_phases(server, result, manifest, duration, processes, threads, logins, beat_interval,
                seed):
    t0 = time.perf_counter()
    server.start()
    result["startup_seconds"] = round(time.perf_counter() - t0, 1)
    result["memory"]["idle"] = server.memory()
    log(f"server up on {server.base} in {result['startup_seconds']} s, "
        f"workers {server.worker_pids()}")

    # Sign in members over HTTP (the login form, scrypt: the slow part).
    people = manifest["logins"][:logins]
    users, login_times, failures = [], [], []
    lock = threading.Lock()

    def sign_in(chunk):
        conn = Conn(server.port)
        for person in chunk:
            try:
                user, elapsed = login(conn, person["username"], manifest["password"])
            except Exception as exc:  # noqa: BLE001
                with lock:
                    failures.append(f"{person['username']}: {exc}")
                continue
            user["courses"] = person["courses"]
            with lock:
                users.append(user)
                login_times.append(elapsed)
    t = time.perf_counter()
    chunks = [people[i::8] for i in range(8)]
    threads_ = [threading.Thread(target=sign_in, args=(c,)) for c in chunks]
    for th in threads_:
        th.start()
    for th in threads_:
        th.join()
    result["logins"] = {"count": len(users), "failed": len(failures),
                        "seconds": round(time.perf_counter() - t, 1),
                        "p50_ms": round((pct(login_times, 0.5) or 0) * 1000, 1),
                        "p95_ms": round((pct(login_times, 0.95) or 0) * 1000, 1),
                        "failures": failures[:5]}
    log(f"signed in {len(users)} members ({len(failures)} failed) "
        f"in {result['logins']['seconds']} s")
    if not users:
        raise RuntimeError("no member could sign in: " + "; ".join(failures[:2]))
    users.sort(key=lambda u: u["username"])

    staff = []
    conn = Conn(server.port)
    for name in [manifest["admin"], *manifest["leads"]]:
        try:
            u, _e = login(conn, name, manifest["password"])
            u["dashboard"] = True
            u["courses"] = users[0]["courses"]
            staff.append(u)
        except Exception as exc:  # noqa: BLE001
            result["skipped"][f"login {name}"] = str(exc)
    admin = staff[0] if staff and staff[0]["username"] == manifest["admin"] else None

    kinds, dashboard = sequential(server.port, users, admin, manifest, repeat=20,
                                  beat_interval=beat_interval)
    result["phases"]["sequential"] = {"kinds": kinds, "load": os.getloadavg()[0]}
    result["dashboard_status"] = dashboard
    log("sequential single-request latencies measured")

    try:
        result["wrk"] = _wrk_phase(server, manifest, logins, duration)
        result["memory"]["after wrk heartbeats"] = result["wrk"].pop("memory")
        log(f"wrk: heartbeats {result['wrk']['heartbeat']['rps']} req/s, "
            f"p99 {result['wrk']['heartbeat']['p99_ms']} ms, "
            f"errors {result['wrk']['heartbeat']['errors']}; /healthz/live "
            f"{result['wrk']['live']['rps']} req/s")
    except Exception as exc:  # noqa: BLE001
        result["skipped"]["wrk heartbeats"] = f"{type(exc).__name__}: {exc}"
        log(f"wrk phase skipped: {exc}")

    mixes = ["baseline", "pages", "writes", "dashboard", "mixed"]
    for n, name in enumerate(mixes):
        if name == "dashboard" and dashboard != "ok":
            result["skipped"]["dashboard mix"] = dashboard or "admin could not sign in"
            continue
        mix_users = staff if name == "dashboard" else users
        if name == "mixed" and dashboard == "ok":
            mix_users = users + staff
        elif name == "mixed":
            MIXES["mixed"].pop("dashboard", None)
        try:
            summary, _elapsed = run_mix(server.port, name, mix_users, manifest,
                                        duration=duration, processes=processes,
                                        threads=threads, beat_interval=beat_interval,
                                        seed=seed + n * 10, server_cpu=server.cpu_seconds)
        except Exception as exc:  # noqa: BLE001
            result["skipped"][f"{name} mix"] = f"{type(exc).__name__}: {exc}"
            continue
        summary["load"] = round(os.getloadavg()[0], 2)
        result["phases"][name] = summary
        result["memory"][f"after {name}"] = server.memory()
        log(f"{name}: {summary['rps']} req/s over {summary['seconds']} s, "
            f"errors {sum(k['errors'] for k in summary['kinds'].values())}")


def _wrk_phase(server, manifest, logins, duration):
    """Members the Python mixes do not use sign in, open a watch session each, then wrk
    drives /healthz/live and their heartbeats (see bench/wrk_bench.py)."""
    wrk, how = wrk_bench.ensure_wrk()
    if wrk is None:
        raise RuntimeError(how + "; heartbeat rate measured by the Python client only")
    people = manifest["logins"][logins:]
    members, lock = [], threading.Lock()

    def sign_in(chunk):
        conn = Conn(server.port)
        for person in chunk:
            try:
                user, _t = login(conn, person["username"], manifest["password"])
                course = next(c for c in manifest["courses"] if c["id"] == person["courses"][0])
                lesson = next(l for l in course["lessons"] if l["kind"] == "video")
                status, _r, data, _t = conn.request(
                    "POST", f"/api/video/lessons/{lesson['id']}/sessions", user=user, body=b"",
                    headers={"X-CSRFToken": user["csrf"]})
                if status == 200:
                    user["url"] = json.loads(data)["beat_url"]
                    user["courses"] = person["courses"]
                    with lock:
                        members.append(user)
            except Exception as exc:  # noqa: BLE001 - a member less, said below
                log(f"wrk member {person['username']}: {exc}")
    t = time.perf_counter()
    threads_ = [threading.Thread(target=sign_in, args=(people[i::8],)) for i in range(8)]
    for th in threads_:
        th.start()
    for th in threads_:
        th.join()
    if len(members) < 50:
        raise RuntimeError(f"only {len(members)} members could open a watch session")
    log(f"wrk: {len(members)} members signed in with a watch session in "
        f"{time.perf_counter() - t:.0f} s")
    members.sort(key=lambda m: m["username"])
    out = wrk_bench.heartbeat_phase(wrk, server.port, members, duration, server.cpu_seconds)
    out["wrk"] = how
    for name, prepare in (("lesson_visit", lambda: _visit_requests(members, manifest)),
                          ("quiz_autosave",
                           lambda: _autosave_requests(server.port, members, manifest))):
        try:
            requests = prepare()
            if len(requests) < 50:
                raise RuntimeError(f"only {len(requests)} members could take part")
            out[name] = wrk_bench.action_phase(wrk, server.port, name, requests,
                                               max(5, duration / 2), server.cpu_seconds)
        except Exception as exc:  # noqa: BLE001 - reported in results.md, heartbeats kept
            out["skipped_" + name] = str(exc)
            log(f"wrk: {name} skipped: {exc}")
            continue
        log(f"wrk: {name} {out[name]['rps']} req/s, p99 {out[name]['p99_ms']} ms, "
            f"errors {out[name]['errors']}")
    out["memory"] = server.memory()
    return out


def _visit_requests(members, manifest):
    """Each member's visit of a lesson of their first course (what reader.js sends)."""
    courses = {c["id"]: c for c in manifest["courses"]}
    out = []
    for m in members:
        course = courses[m["courses"][0]]
        lesson = next(l for l in course["lessons"] if l["kind"] == "text")
        out.append({**m, "url": f"/courses/{course['id']}/lessons/{lesson['id']}/visit",
                    "body": "", "type": "application/x-www-form-urlencoded"})
    return out


def _autosave_requests(port, members, manifest):
    """Each member starts an attempt of their first course's quiz (the form), then saves two
    answers to it, again and again (what quiz.js sends while the learner answers)."""
    courses = {c["id"]: c for c in manifest["courses"]}
    out, lock = [], threading.Lock()

    def start(chunk):
        conn = Conn(port)
        for m in chunk:
            info = courses[m["courses"][0]]["quiz"]
            if not info:
                continue
            status, resp, _d, _t = conn.request(
                "POST", f"/quiz/{info['lesson_id']}/start", user=m,
                body=urllib.parse.urlencode({"csrf_token": m["csrf"]}),
                headers={"Content-Type": "application/x-www-form-urlencoded"})
            found = ATTEMPT_RE.search(resp.getheader("Location", "") if resp else "")
            if status != 302 or not found:
                continue
            qids = info["question_ids"][:2]
            body = json.dumps({"answers": {str(q): info["answers"][str(q)] for q in qids}})
            with lock:
                out.append({**m, "url": f"/api/quiz/attempts/{found.group(1)}/answers",
                            "body": body, "type": "application/json"})
    threads_ = [threading.Thread(target=start, args=(members[i::8],)) for i in range(8)]
    for th in threads_:
        th.start()
    for th in threads_:
        th.join()
    return sorted(out, key=lambda m: m["username"])


if __name__ == "__main__":
    import argparse

    from bench.generate import cached_manifest
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--duration", type=float, default=20)
    args = parser.parse_args()
    m = cached_manifest(args.members)
    if m is None:
        raise SystemExit("generate first: python -m bench.generate")
    print(json.dumps(run(m, args.members, duration=args.duration), ensure_ascii=False, indent=1))
