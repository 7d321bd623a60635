"""A heartbeat in the database: one read, then a two-statement write.

The hot path of the platform (every viewer, every ~10 s), so its statements are
counted (tests/video/test_hot_path_queries.py): with the signed-in user's row,
four per beat.

1. Read, outside the write lock (`database.reads_first` on the view): one SELECT
   joins the watch session row, its lesson and course, the newest ready asset
   and the learner's progress row, and computes the course-audience rule and
   ownership in SQL (catalog.lesson_access). Permissions, asset and duration are
   therefore as fresh as the beat itself: nothing needs invalidating when a
   lesson, asset or course changes. Per worker, only what cannot go stale is
   cached: the policy (keyed by every setting it is built from, `watch.policy`)
   and the statements themselves (keyed by their SQL's shape, values bound).
2. The rules (`tracking.apply_heartbeat`) run in Python on that state.
3. Write, in `database.write_transaction()`: an UPDATE of the session row guarded
   by the sequence number and `active` it was read with, then an UPSERT of the
   progress row with the intervals merged in Python. A concurrent duplicate, or a
   device that lost the session to another one meanwhile, matches no row; the
   write is then rolled back and the beat is decided again on fresh state (where
   it is a duplicate, superseded, or simply the next beat). Progress only grows:
   the UPSERT keeps the larger fraction and the first completion time.
"""
from __future__ import annotations

import functools

from sqlalchemy import and_, bindparam, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from mooc.accounts.principal import orm_user
from mooc.catalog import lesson_access
from mooc.catalog.models import Course, Lesson
from mooc.core import database
from mooc.core.models import utcnow
from mooc.extensions import db
from mooc.progress.completion import update_course_completion
from mooc.progress.models import LessonProgress
from mooc.video import clock, tracking
from mooc.video.models import READY, VideoAsset, WatchSessionRow
from mooc.video.services import VIDEO_KIND, VideoError
from mooc.video.watch import CREDITED, WatchError, policy, state_from_row

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
# Each retry re-reads; only a client racing itself (two copies of a beat at once)
# ever needs one.
WRITE_TRIES = 3


class _Raced(Exception):
    """The session row changed between the read and the write."""


@functools.lru_cache(maxsize=512)
def _context_query(user):
    """The read for this user (`lesson_access.SqlFacts`), token bound per beat."""
    newest_ready = (select(VideoAsset.id)
                    .where(VideoAsset.lesson_id == Lesson.id, VideoAsset.status == READY)
                    .order_by(VideoAsset.id.desc()).limit(1)
                    .correlate(Lesson).scalar_subquery())
    return (select(WatchSessionRow.id, WatchSessionRow.token, WatchSessionRow.user_id,
                   WatchSessionRow.lesson_id, WatchSessionRow.started_at,
                   WatchSessionRow.last_beat_at, WatchSessionRow.last_seq,
                   WatchSessionRow.active, WatchSessionRow.credited_seconds,
                   Lesson.kind, Course.no_skip_ahead, *lesson_access.access_columns(user),
                   VideoAsset.id.label("asset_id"), VideoAsset.duration,
                   LessonProgress.completed_at, LessonProgress.data)
            .select_from(WatchSessionRow)
            .join(Lesson, Lesson.id == WatchSessionRow.lesson_id)
            .join(Course, Course.id == Lesson.course_id)
            .outerjoin(VideoAsset, VideoAsset.id == newest_ready)
            .outerjoin(LessonProgress, and_(LessonProgress.user_id == WatchSessionRow.user_id,
                                            LessonProgress.lesson_id == WatchSessionRow.lesson_id))
            .where(WatchSessionRow.token == bindparam("b_token")))


# The write's statements, built once: constructing them costs more than running them.
_CLAIM_SESSION = (
    update(WatchSessionRow.__table__)
    .where(WatchSessionRow.__table__.c.id == bindparam("b_id"),
           WatchSessionRow.__table__.c.last_seq == bindparam("b_seq"),
           WatchSessionRow.__table__.c.active.is_(True))
    .values(last_seq=bindparam("b_new_seq"), last_beat_at=bindparam("b_beat_at"),
            credited_seconds=bindparam("b_credited"), asset_id=bindparam("b_asset"),
            updated_at=bindparam("b_stamp")))


@functools.lru_cache(maxsize=4)
def _upsert_statement(dialect):
    table = LessonProgress.__table__
    statement = _INSERTS[dialect](table).values(
        user_id=bindparam("b_user"), lesson_id=bindparam("b_lesson"),
        course_id=bindparam("b_course"), progress=bindparam("b_progress"),
        completed_at=bindparam("b_completed_at"), time_spent_seconds=bindparam("b_seconds"),
        data=bindparam("b_data", type_=table.c.data.type), created_at=bindparam("b_stamp"),
        updated_at=bindparam("b_stamp"))
    new = statement.excluded
    # Progress only grows: the larger fraction and the first completion time win.
    return statement.on_conflict_do_update(
        index_elements=[table.c.user_id, table.c.lesson_id],
        set_={"progress": case((new.progress > table.c.progress, new.progress),
                               else_=table.c.progress),
              "completed_at": func.coalesce(table.c.completed_at, new.completed_at),
              "time_spent_seconds": table.c.time_spent_seconds + new.time_spent_seconds,
              "data": new.data, "updated_at": new.updated_at})


class _Progress:
    """The two columns of the progress row that state_from_row reads."""

    def __init__(self, ctx):
        self.data, self.completed_at = ctx.data, ctx.completed_at

    @property
    def is_complete(self):
        return self.completed_at is not None


def _read(user, token, payload):
    # Core execution on the session's connection: plain rows, no ORM result machinery.
    ctx = db.session.connection().execute(
        _context_query(lesson_access.sql_facts(user)),
        {"b_token": token, **lesson_access.params(user)}).one_or_none()
    if ctx is None or ctx.user_id != user.id:
        raise WatchError("观看记录不存在。", "not_found", 404)
    access = lesson_access.decide(user, ctx)
    if not access.can_view:
        raise WatchError("观看记录不存在。", "not_found", 404)
    if ctx.kind != VIDEO_KIND:
        raise VideoError("该课时不是视频课时。", "not_video", 409)
    if ctx.asset_id is None or not ctx.duration:
        raise WatchError("视频尚未就绪，请稍后再来。", "not_ready", 409)
    if not (ctx.lesson_published and access.can_enrol):   # watch.is_recording
        raise WatchError("预览模式下不记录学习进度。", "preview", 409)
    try:
        beat = tracking.Heartbeat.from_json(payload)
    except tracking.InvalidBeat as exc:
        raise WatchError(tracking.InvalidBeat.message_zh, "invalid_beat", 400) from exc
    return ctx, beat


def _session(ctx):
    return tracking.WatchSession(
        session_id=ctx.token, user_id=ctx.user_id, lesson_id=ctx.lesson_id,
        started_at=ctx.started_at, last_beat_at=ctx.last_beat_at, last_seq=ctx.last_seq,
        active=ctx.active, credited_seconds=ctx.credited_seconds)


def _store(user, ctx, watch_session, state, outcome):
    """The write: two statements under the write lock (more only on completion)."""
    stamp = utcnow()
    fraction = 1.0 if state.completed else outcome.coverage
    progress = {"b_user": user.id, "b_lesson": ctx.lesson_id, "b_course": ctx.course_id,
                "b_progress": fraction, "b_completed_at": stamp if fraction >= 1.0 else None,
                "b_seconds": round(outcome.credited_seconds),
                "b_data": {**state.to_json(), "asset_id": ctx.asset_id}, "b_stamp": stamp}
    claim = {"b_id": ctx.id, "b_seq": ctx.last_seq, "b_new_seq": watch_session.last_seq,
             "b_beat_at": watch_session.last_beat_at,
             "b_credited": watch_session.credited_seconds, "b_asset": ctx.asset_id,
             "b_stamp": stamp}
    upsert = _upsert_statement(db.session.get_bind().dialect.name)
    with database.write_transaction(db.session()) as session:
        connection = session.connection()
        if connection.execute(_CLAIM_SESSION, claim).rowcount != 1:
            raise _Raced()
        connection.execute(upsert, progress)
        if outcome.completed_now and ctx.completed_at is None:
            # Rare (once per learner and lesson): course completion, 学时, certificate.
            update_course_completion(orm_user(user), session.get(Course, ctx.course_id))


def heartbeat(user, token, payload, now=None):
    """Apply one beat → (tracking.BeatOutcome, extra JSON fields), written and committed
    when it was credited; nothing is written otherwise. Raises WatchError/VideoError
    (nothing written) for beats that cannot be applied."""
    token = str(token)[:64]
    for _try in range(WRITE_TRIES):
        ctx, beat = _read(user, token, payload)
        rules = policy(ctx.no_skip_ahead)
        state = state_from_row(_Progress(ctx) if ctx.data is not None
                               or ctx.completed_at is not None else None)
        watch_session = _session(ctx)
        beat_now = clock.now() if now is None else now
        outcome = tracking.apply_heartbeat(rules, watch_session, state, beat, beat_now,
                                           ctx.duration)
        extra = {"frontier": tracking.frontier(state.intervals, rules.tolerance),
                 "duration": ctx.duration}
        if outcome.status not in CREDITED:
            database.end_reads(db.session())   # nothing to write
            return outcome, extra
        try:
            _store(user, ctx, watch_session, state, outcome)
        except _Raced:
            continue
        return outcome, extra
    raise WatchError("请求过于密集，请稍后重试。", "busy", 409)
