"""Generate a realistic committee for the bench, into the bench database only.

    python -m bench.generate [--members 10000] [--fresh] [--corpus PATH]

What it makes (defaults): about 50 branches (党支部) under 6 general branches, 10,000
members plus staff, 40 published courses × 10 lessons (7 text, 2 video with a ready
asset, 1 quiz of 10 questions), 4 enrolments per member, 400,000 LessonProgress rows,
CourseCompletion rows (when that table exists), one submitted quiz attempt per
enrolment, the search index of the site; and, separately, a search corpus of 20,000
lesson-sized Chinese documents for bench/search_bench.py.

Speed: catalogue rows go through the real services (a few hundred rows, so the
sanitised HTML, quizzes and search outbox are what the app itself would write); the
big tables are bulk-inserted with SQLAlchemy Core (portable: SQLite and PostgreSQL).
One password hash is computed and reused for every account.

The result is cached under bench/work/cache-v<DATA_VERSION>-m<members>/ and reused
by the next run unless --fresh (or DATA_VERSION changes).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench import BENCH_PASSWORD, DATA_VERSION, ROOT, WORK, apply_env, bench_env, \
    external_database_url, paths

SEED = 20240701
BRANCHES = 50
GENERAL_BRANCHES = 6
COURSES = 40
LESSONS_PER_COURSE = 10
ENROLMENTS_PER_MEMBER = 4
QUESTIONS_PER_QUIZ = 10
VIDEO_SECONDS = 600.0
VIDEO_POSITIONS = (3, 7)      # lesson positions (0-based) that are videos
QUIZ_POSITION = 9
BENCH_LOGINS = 400            # members the load run may sign in as (manifest)
CORPUS_DOCS = 20000

# --------------------------------------------------------------------------------------
# A built-in vocabulary of party-building language (written for this bench).
# --------------------------------------------------------------------------------------
SUBJECTS = [
    "全体党员", "各级党组织", "党支部", "基层党组织", "党员领导干部", "广大党员干部", "支部委员会",
    "党小组", "预备党员", "入党积极分子", "机关党委", "党总支", "青年党员", "老党员", "第一书记",
    "纪检委员", "组织委员", "宣传委员", "党务工作者", "新时代共产党员",
]
VERBS = [
    "深入学习", "认真贯彻", "全面落实", "坚持", "不断加强", "切实推进", "扎实开展", "持续深化",
    "牢固树立", "自觉践行", "严格执行", "积极参与", "大力弘扬", "着力提升", "始终坚持", "进一步完善",
    "努力推动", "准确把握", "广泛开展", "认真落实",
]
OBJECTS = [
    "党的创新理论", "党章党规党纪", "中国特色社会主义思想", "民主集中制原则", "三会一课制度",
    "主题党日活动", "组织生活会", "民主评议党员", "批评和自我批评", "党内政治文化",
    "全面从严治党要求", "中央八项规定精神", "群众路线", "理想信念教育", "党史学习教育",
    "为人民服务的宗旨", "党风廉政建设", "基层党建工作", "党员教育管理", "政治理论学习",
    "学习强国平台学习", "调查研究", "发展党员工作", "党费收缴管理", "红色教育基地参观",
    "志愿服务活动", "结对帮扶工作", "乡村振兴任务", "四个意识", "两个维护",
]
ADVERBIALS = [
    "在新时代新征程上", "结合本单位实际", "围绕中心工作", "按照上级党委部署", "以党的政治建设为统领",
    "在日常工作中", "在学习教育中", "通过线上线下相结合的方式", "以支部为单位", "在年度考核中",
    "坚持问题导向", "聚焦重点任务", "对照党章要求", "立足岗位职责", "面向全体党员",
]
RESULTS = [
    "增强党组织的政治功能和组织功能", "提高党员的党性修养", "推动学习成果转化为工作实效",
    "筑牢思想根基", "发挥战斗堡垒作用", "发挥先锋模范作用", "营造风清气正的政治生态",
    "密切党同人民群众的血肉联系", "提升基层治理水平", "确保各项工作落到实处", "凝聚干事创业的强大合力",
    "不断提高政治判断力、政治领悟力、政治执行力", "做到学思用贯通、知信行统一", "把党的建设质量提高到新水平",
]
TOPICS = [
    ("党章学习", "rules"), ("党史百年", "history"), ("党的创新理论", "theory"),
    ("三会一课规范", "practice"), ("廉洁从政", "rules"), ("民主集中制", "theory"),
    ("组织生活会实务", "practice"), ("发展党员流程", "practice"), ("党费管理", "practice"),
    ("新时代党的建设", "theory"), ("群众路线教育", "theory"), ("红色家风", "history"),
    ("基层党建创新", "practice"), ("党内法规解读", "rules"), ("乡村振兴政策", "policy"),
    ("国家安全教育", "policy"), ("改革开放史", "history"), ("社会主义发展史", "history"),
    ("作风建设", "rules"), ("学习贯彻党代会精神", "policy"),
]
COURSE_SUFFIXES = ["专题课程", "精品课"]
TAGS = ["党章", "党史", "纪律", "廉政", "理论", "组织生活", "发展党员", "党费", "三会一课", "主题党日"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "建国秀英志强丽华海燕永红卫东晓明春梅国庆文军玉兰桂芳俊杰红霞宏伟淑珍雪梅鹏飞子涵欣怡浩然思远雨欣佳琪明轩梓萱"
CATEGORY_WEIGHTS = [("full_member", 70), ("probationary", 8), ("candidate", 6), ("activist", 8),
                    ("masses", 8)]


def sentence(rng: random.Random) -> str:
    return (f"{rng.choice(ADVERBIALS)}，{rng.choice(SUBJECTS)}要{rng.choice(VERBS)}"
            f"{rng.choice(OBJECTS)}，{rng.choice(VERBS)}{rng.choice(OBJECTS)}，"
            f"{rng.choice(RESULTS)}。")


def paragraph(rng: random.Random, chars: int, sentences=None) -> str:
    out, size = [], 0
    while size < chars:
        s = rng.choice(sentences) if sentences else sentence(rng)
        out.append(s)
        size += len(s)
    return "".join(out)


def person_name(rng: random.Random) -> str:
    start = rng.randrange(len(GIVEN) // 2) * 2
    given = GIVEN[start:start + 2] if rng.random() < 0.7 else GIVEN[start]
    return rng.choice(SURNAMES) + given


def weighted(rng, pairs):
    total = sum(w for _k, w in pairs)
    pick = rng.uniform(0, total)
    for key, w in pairs:
        pick -= w
        if pick <= 0:
            return key
    return pairs[-1][0]


# --------------------------------------------------------------------------------------
# Search corpus
# --------------------------------------------------------------------------------------
_HAN = re.compile(r"[\u4e00-\u9fff]")


def sentences_from(path: Path) -> list[str]:
    """Chinese sentences from a text/Markdown file or a question-bank JSON."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix.lower() == ".json":
        pieces = []

        def walk(value):
            if isinstance(value, str):
                pieces.append(value)
            elif isinstance(value, dict):
                for v in value.values():
                    walk(v)
            elif isinstance(value, list):
                for v in value:
                    walk(v)
        walk(json.loads(text))
        text = "。".join(pieces)
    parts = re.split(r"(?<=[。；！？])|\n+", text)
    out = [p.strip() for p in parts if p and len(_HAN.findall(p)) >= 6]
    if len(out) < 20:
        raise ValueError(f"{path}: too little Chinese text for a corpus ({len(out)} sentences)")
    return out


def make_corpus(n: int = CORPUS_DOCS, *, source: Path | None = None, seed: int = SEED):
    """n lesson-sized documents (title ~12 chars, body 300–700 chars) for the engine."""
    rng = random.Random(seed)
    pool = sentences_from(source) if source else None
    docs = []
    for i in range(n):
        topic, _cat = TOPICS[i % len(TOPICS)]
        course_id = i // 50 + 1
        title = f"{topic}第{i % 50 + 1}讲：{rng.choice(OBJECTS)}"
        docs.append({
            "doc_id": f"lesson:{i + 1}", "kind": "lesson", "course_id": course_id,
            "lesson_id": i + 1, "lesson_kind": "text", "title": title,
            "body": paragraph(rng, rng.randint(300, 700), pool),
            "tags": rng.sample(TAGS, 2), "url": f"/courses/{course_id}/lessons/{i + 1}",
        })
    return docs


def corpus(n: int = CORPUS_DOCS, *, source: Path | None = None):
    """Cached as JSON lines under bench/work/ (keyed by version, size and source)."""
    tag = "builtin" if source is None else re.sub(r"[^a-zA-Z0-9]+", "-", Path(source).stem)
    path = WORK / f"corpus-v{DATA_VERSION}-{tag}-{n}.jsonl"
    if path.is_file():
        with path.open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh]
    docs = make_corpus(n, source=Path(source) if source else None)
    WORK.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return docs


# --------------------------------------------------------------------------------------
# Database
# --------------------------------------------------------------------------------------
def log(msg):
    print(f"[generate] {msg}", flush=True)


def _flask(args, env):
    full = {**__import__("os").environ, **env}
    subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), "--app", "mooc", *args],
                   cwd=ROOT, env=full, check=True, stdout=subprocess.DEVNULL)


def _drop_everything(url):
    """--fresh on an external database: drop every table (ours and Alembic's)."""
    from sqlalchemy import MetaData, create_engine

    from config import database_url
    engine = create_engine(database_url(url))
    meta = MetaData()
    meta.reflect(engine)
    meta.drop_all(engine)
    engine.dispose()


def migration_names():
    """The cache is stale when a migration was added (the schema moved on)."""
    return sorted(f.name for f in (ROOT / "mooc" / "migrations" / "versions").glob("*.py"))


def cached_manifest(members):
    p = paths(members)
    try:
        marker = json.loads(p["marker"].read_text())
        manifest = json.loads(p["manifest"].read_text())
    except (OSError, ValueError):
        return None
    if marker.get("version") != DATA_VERSION or marker.get("members") != members \
            or marker.get("migrations") != migration_names():
        return None
    if not external_database_url() and not p["cache_db"].is_file():
        return None
    return manifest


def generate(members: int = 10000, *, fresh: bool = False) -> dict:
    """Generate (or reuse) the bench database; returns the manifest with timings."""
    p = paths(members)
    if not fresh:
        manifest = cached_manifest(members)
        if manifest is not None:
            log(f"reusing cached data in {p['cache'].relative_to(ROOT)} (use --fresh to rebuild)")
            manifest["reused"] = True
            return manifest
    started = time.perf_counter()
    env = bench_env(members)
    apply_env(env)   # before anything imports config (it reads the environment once)
    if p["cache"].exists():
        shutil.rmtree(p["cache"])
    p["cache"].mkdir(parents=True)
    (p["cache"] / "instance").mkdir()
    if external_database_url():
        log("dropping every table of the external database")
        _drop_everything(external_database_url())
    log("migrating the bench database")
    _flask(["db", "upgrade"], env)
    from mooc import create_app
    app = create_app()
    with app.app_context():
        manifest = _fill(app, members)
        from mooc.extensions import db
        db.session.remove()
        db.engine.dispose()
    manifest["generate_seconds"] = round(time.perf_counter() - started, 1)
    manifest["reused"] = False
    p["manifest"].write_text(json.dumps(manifest, ensure_ascii=False))
    p["marker"].write_text(json.dumps({"version": DATA_VERSION, "members": members,
                                       "migrations": migration_names(),
                                       "generated_at": datetime.now(timezone.utc).isoformat()}))
    log(f"done in {manifest['generate_seconds']} s")
    return manifest


def _bulk(conn, table, rows, batch=5000):
    """Core executemany in batches, keeping only the columns the table really has."""
    if not rows:
        return 0
    names = {c.name for c in table.columns}
    for start in range(0, len(rows), batch):
        chunk = [{k: v for k, v in r.items() if k in names} for r in rows[start:start + batch]]
        conn.execute(table.insert(), chunk)
    return len(rows)


def _fill(app, members):
    from sqlalchemy import inspect, select

    from mooc.accounts import services as accounts
    from mooc.accounts.models import User
    from mooc.catalog import courses as course_services
    from mooc.catalog import outline
    from mooc.catalog.models import Enrollment, Lesson
    from mooc.extensions import db
    from mooc.org import services as org_services
    from mooc.progress.models import LessonProgress
    from mooc.quizzes import services as quiz_services
    from mooc.quizzes.formats.common import QuestionData
    from mooc.quizzes.models import Attempt
    from mooc.video import tracking
    from mooc.video.models import READY, VideoAsset

    rng = random.Random(SEED)
    timings = {}
    skipped = {}
    existing_tables = set(inspect(db.engine).get_table_names())
    # Work in progress elsewhere may add models before their migration: create those
    # tables here so the bench can run, and say so in the report.
    missing = [t for name, t in db.metadata.tables.items() if name not in existing_tables]
    if missing:
        db.metadata.create_all(bind=db.engine, tables=missing)
        names = ", ".join(sorted(t.name for t in missing))
        skipped["migrations"] = f"tables without a migration, created by create_all: {names}"
        log(skipped["migrations"])
        existing_tables = set(inspect(db.engine).get_table_names())
    now = datetime.now(timezone.utc).replace(tzinfo=None)

    # Organisation tree --------------------------------------------------------------
    t = time.perf_counter()
    root = org_services.create_org("中共示范单位委员会", "committee")
    generals, branches = [], []
    for g in range(GENERAL_BRANCHES):
        gb = org_services.create_org(f"第{g + 1}党总支", "general_branch", root, sort_order=g)
        generals.append(gb)
    for b in range(BRANCHES):
        parent = generals[b % GENERAL_BRANCHES] if b < BRANCHES - 2 else root
        branches.append(org_services.create_org(f"第{b + 1}党支部", "branch", parent,
                                                sort_order=b))
    db.session.commit()
    timings["orgs"] = time.perf_counter() - t

    # Accounts: one hash for everybody -----------------------------------------------
    t = time.perf_counter()
    pw_hash = accounts.hash_password(BENCH_PASSWORD)
    user_table = User.__table__
    staff = [("admin", "系统管理员", "admin", None), ("teacher", "王讲师", "instructor", branches[-1].id)]
    staff += [(f"lead{g + 1:02d}", f"{person_name(rng)}书记", "branch_lead", gb.id)
              for g, gb in enumerate(generals)]
    rows = []
    for username, name, role, org_id in staff:
        rows.append(dict(username=username, name=name, role=role, org_id=org_id,
                         category="full_member", active=True, password_hash=pw_hash,
                         must_change_password=False, auth_token=accounts_token(rng),
                         created_at=now, updated_at=now))
    for i in range(members):
        rows.append(dict(username=f"m{i + 1:05d}", name=person_name(rng),
                         phone=f"139{i:08d}", org_id=branches[i % BRANCHES].id,
                         category=weighted(rng, CATEGORY_WEIGHTS), role="learner", active=True,
                         password_hash=pw_hash, must_change_password=False,
                         auth_token=accounts_token(rng), created_at=now, updated_at=now))
    _bulk(db.session.connection(), user_table, rows)
    db.session.commit()
    timings["users"] = time.perf_counter() - t
    ids = dict(db.session.execute(select(User.username, User.id)).all())
    admin = db.session.get(User, ids["admin"])
    teacher = db.session.get(User, ids["teacher"])

    # Catalogue through the services (sanitised HTML, quizzes, search outbox) ----------
    t = time.perf_counter()
    catalogue = []
    for c in range(COURSES):
        topic, category = TOPICS[c % len(TOPICS)]
        course = course_services.create_course(
            admin, title=f"{topic}{COURSE_SUFFIXES[c // len(TOPICS)]}",
            summary=paragraph(rng, 120), category=category,
            course_type="required" if c % 3 == 0 else "elective",
            credit_hours=float(2 + c % 4), owners=[teacher])
        chapters = [outline.add_chapter(course, admin, f"第{n + 1}章 {rng.choice(OBJECTS)}")
                    for n in range(2)]
        entry = {"id": course.id, "lessons": [], "quiz": None}
        for n in range(LESSONS_PER_COURSE):
            kind = "video" if n in VIDEO_POSITIONS else "quiz" if n == QUIZ_POSITION else "text"
            body = "\n\n".join(paragraph(rng, 250) for _ in range(3)) if kind == "text" else \
                paragraph(rng, 80)
            lesson = outline.create_lesson(
                course, admin, chapter=chapters[n // 5], title=f"第{n + 1}课 {rng.choice(OBJECTS)}",
                kind=kind, body=body, published=True)
            entry["lessons"].append({"id": lesson.id, "kind": kind})
        course_services.publish_course(course, admin)
        catalogue.append((course, entry))
    db.session.commit()
    timings["catalogue"] = time.perf_counter() - t

    # Ready video assets (rows only: the load run never fetches media bytes) -----------
    t = time.perf_counter()
    asset_rows = []
    for _course, entry in catalogue:
        for lesson in entry["lessons"]:
            if lesson["kind"] == "video":
                asset_rows.append(dict(
                    lesson_id=lesson["id"], status=READY, progress=1.0, error="",
                    source_key=f"bench-{lesson['id']:06d}", source_sha256=f"{lesson['id']:064d}",
                    source_size=50_000_000, filename="讲座.mp4", validated=True,
                    duration=VIDEO_SECONDS, width=1280, height=720,
                    renditions=[{"label": 360, "file": "360.mp4", "width": 640, "height": 360,
                                 "size": 20_000_000, "video_kbps": 600},
                                {"label": 720, "file": "720.mp4", "width": 1280, "height": 720,
                                 "size": 60_000_000, "video_kbps": 2000}],
                    has_poster=False, hls=False, captions_filename="", transcode_seconds=120.0,
                    created_at=now, updated_at=now, created_by_id=teacher.id))
    _bulk(db.session.connection(), VideoAsset.__table__, asset_rows)
    db.session.commit()

    # Quizzes: 10 questions each, unlimited attempts, fixed paper ---------------------
    for course, entry in catalogue:
        quiz_lesson = db.session.get(Lesson, entry["lessons"][QUIZ_POSITION]["id"])
        questions = []
        for q in range(QUESTIONS_PER_QUIZ):
            stem = f"（{course.id}-{q + 1}）{sentence(rng)}下列说法正确的是？"
            if q % 3 == 2:
                questions.append(QuestionData(kind="truefalse", stem=stem, answer_true=True))
            else:
                options = [rng.choice(OBJECTS) + f"（{k}）" for k in "ABCD"]
                questions.append(QuestionData(kind="single", stem=stem, options=options,
                                              correct=[q % 4]))
        quiz = quiz_services.configure_quiz(
            quiz_lesson, questions,
            {"pass_mark": 60, "max_attempts": 0, "time_limit_minutes": 0,
             "show_feedback": "after_submit"}, actor=teacher)
        items = [(item.question_id, item.question) for item in quiz.items]
        entry["quiz"] = {
            "lesson_id": quiz_lesson.id, "quiz_id": quiz.id,
            "question_ids": [qid for qid, _q in items],
            "answers": {str(qid): (True if qu.kind == "truefalse" else qu.correct[0])
                        for qid, qu in items}}
    db.session.commit()
    timings["media_quizzes"] = time.perf_counter() - t

    # Learning records: enrolments, 400k progress rows, completions, attempts -----------
    t = time.perf_counter()
    member_ids = [ids[f"m{i + 1:05d}"] for i in range(members)]
    course_entries = [e for _c, e in catalogue]
    credit = {c.id: c.credit_hours for c, _e in catalogue}
    this_year = now.year
    enrol_rows, progress_rows, completion_rows, attempt_rows = [], [], [], []
    enrolled_by_user = {}
    video_done = tracking.LessonProgress(intervals=[(0.0, VIDEO_SECONDS)], position=VIDEO_SECONDS,
                                         completed=True, completed_at=now.timestamp()).to_json()
    for uid in member_ids:
        picks = rng.sample(course_entries, ENROLMENTS_PER_MEMBER)
        enrolled_by_user[uid] = [e["id"] for e in picks]
        for entry in picks:
            enrolled_at = now - timedelta(days=rng.randint(1, 500), minutes=rng.randint(0, 1440))
            state = rng.random()
            done = LESSONS_PER_COURSE if state < 0.55 else \
                rng.randint(1, LESSONS_PER_COURSE - 1) if state < 0.9 else 0
            lesson_ids = [l["id"] for l in entry["lessons"]]
            enrol_rows.append(dict(user_id=uid, course_id=entry["id"], enrolled_at=enrolled_at,
                                   last_lesson_id=lesson_ids[min(done, LESSONS_PER_COURSE - 1)],
                                   last_visited_at=enrolled_at + timedelta(days=done)))
            finished = enrolled_at + timedelta(days=rng.randint(1, 30))
            if finished > now:
                finished = now - timedelta(hours=1)
            for n, lid in enumerate(lesson_ids):
                kind = entry["lessons"][n]["kind"]
                complete = n < done
                partial = (n == done) and not complete
                frac = 1.0 if complete else (round(rng.uniform(0.1, 0.9), 3) if partial else 0.0)
                data = {}
                if kind == "video" and complete:
                    data = video_done
                elif kind == "video" and partial:
                    end = round(VIDEO_SECONDS * frac, 3)
                    data = {"intervals": [[0.0, end]], "position": end, "completed": False,
                            "completed_at": None}
                progress_rows.append(dict(
                    user_id=uid, lesson_id=lid, course_id=entry["id"], progress=frac,
                    completed_at=(enrolled_at + timedelta(hours=n + 1)) if complete else None,
                    time_spent_seconds=int(frac * 600), data=data, created_at=enrolled_at,
                    updated_at=enrolled_at + timedelta(hours=n + 1)))
            if done >= QUIZ_POSITION + 1 or (done == QUIZ_POSITION and rng.random() < 0.5):
                quiz = entry["quiz"]
                score = 100.0 if done == LESSONS_PER_COURSE else float(rng.choice([30, 40, 50]))
                attempt_rows.append(dict(
                    quiz_id=quiz["quiz_id"], user_id=uid, number=1, started_at=finished,
                    deadline_at=None, submitted_at=finished + timedelta(minutes=8),
                    status="submitted", submit_reason="manual", score=score,
                    passed=score >= 60, last_saved_at=finished + timedelta(minutes=7),
                    paper={"items": [{"q": qid, "perm": None} for qid in quiz["question_ids"]]}))
            if done == LESSONS_PER_COURSE:
                completion_rows.append(dict(user_id=uid, course_id=entry["id"],
                                            completed_at=finished, year=finished.year,
                                            hours=credit[entry["id"]], created_at=finished))
    counts = {}
    conn = db.session.connection()
    counts["enrollments"] = _bulk(conn, Enrollment.__table__, enrol_rows)
    counts["lesson_progress"] = _bulk(conn, LessonProgress.__table__, progress_rows, 10000)
    counts["quiz_attempts"] = _bulk(conn, Attempt.__table__, attempt_rows)
    db.session.commit()
    if "course_completion" in existing_tables:
        from mooc.progress.models import CourseCompletion
        counts["course_completions"] = _bulk(db.session.connection(), CourseCompletion.__table__,
                                             completion_rows)
        db.session.commit()
    else:
        skipped["course_completions"] = "table course_completion not migrated yet"
        log("skipped CourseCompletion rows: the table is not in the migrations yet")
    timings["learning_records"] = time.perf_counter() - t
    log(f"bulk rows: {counts}")

    # Search index of the site ---------------------------------------------------------
    t = time.perf_counter()
    try:
        from mooc.search import services as search_services
        counts["search_documents"] = search_services.rebuild()
    except Exception as exc:  # noqa: BLE001 - reported, not fatal
        skipped["search_index"] = f"{type(exc).__name__}: {exc}"
    timings["search_index"] = time.perf_counter() - t

    logins = [f"m{i + 1:05d}" for i in range(min(BENCH_LOGINS, members))]
    return {
        "version": DATA_VERSION, "members": members, "branches": BRANCHES,
        "general_branches": GENERAL_BRANCHES, "courses": course_entries,
        "counts": {**counts, "users": len(rows), "courses": COURSES,
                   "lessons": COURSES * LESSONS_PER_COURSE},
        "skipped": skipped, "timings": {k: round(v, 2) for k, v in timings.items()},
        "password": BENCH_PASSWORD, "admin": "admin",
        "leads": [f"lead{g + 1:02d}" for g in range(GENERAL_BRANCHES)],
        "logins": [{"username": u, "courses": enrolled_by_user[ids[u]]} for u in logins],
    }


def accounts_token(rng):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                   for _ in range(16))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.generate")
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--fresh", action="store_true", help="regenerate even if cached")
    parser.add_argument("--corpus", type=Path, help="real text for the search corpus")
    parser.add_argument("--docs", type=int, default=CORPUS_DOCS)
    args = parser.parse_args(argv)
    manifest = generate(args.members, fresh=args.fresh)
    t = time.perf_counter()
    docs = corpus(args.docs, source=args.corpus)
    log(f"corpus: {len(docs)} documents in {time.perf_counter() - t:.1f} s")
    print(json.dumps({k: manifest[k] for k in ("counts", "timings", "skipped")},
                     ensure_ascii=False, indent=1))


if __name__ == "__main__":
    sys.exit(main())
