"""Taking a quiz: start, autosave, submit, time limits and marking.

Rules that protect the learner's work:

* One open attempt per learner × quiz, guaranteed by a partial unique index; a
  second "start" (double click, second tab) resumes the open one.
* The paper is drawn once and frozen in the attempt (question ids + option
  permutations), so a reload shows the same paper.
* Answers are stored as the learner saw the options; grading sees the question
  in that same order (see mooc.quizzes.paper).
* Writes to an attempt go through a conditional UPDATE on the attempt row
  (`… WHERE status = 'open'`), which serialises them with submission: an
  autosave can never land after the attempt was marked, and two submits mark
  it once.
* Time limits are the server's: `deadline_at` is fixed at the start. Autosaves
  and submits are accepted until `deadline_at + GRACE_SECONDS` (requests sent in
  the last second are still on the wire); after that the attempt is submitted
  with what was saved — lazily by the next write (autosave, submit, start), and
  within a minute by the sweep task. GET pages never write (SQLite readers must
  not take the write lock): an attempt whose time is over shows "time is up"
  and the page posts the submission.

`now()` is the module's clock: tests monkeypatch it.
"""
import logging
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from mooc.core import database
from mooc.core.models import utcnow
from mooc.extensions import db
from mooc.quizzes import kinds, paper, results, wrongbook
from mooc.quizzes.models import (MANUAL, OPEN_ATTEMPT, SUBMITTED, TIMEOUT, Attempt,
                                 AttemptAnswer)

log = logging.getLogger(__name__)
GRACE_SECONDS = 10
START_RETRIES = 3


def now():
    """The clock every deadline decision reads (monkeypatched in tests)."""
    return utcnow()


class AttemptError(ValueError):
    """The learner cannot do this now; the message says why, in Chinese."""
    status = 400


class AttemptClosed(AttemptError):
    status = 409


class NoAttemptsLeft(AttemptError):
    status = 403


class QuizNotReady(AttemptError):
    status = 409


# --------------------------------------------------------------------------
# Attempts
# --------------------------------------------------------------------------

def open_attempt(user, quiz):
    return db.session.scalar(select(Attempt).where(
        Attempt.quiz_id == quiz.id, Attempt.user_id == user.id, Attempt.status == OPEN_ATTEMPT)
        .execution_options(populate_existing=True))


def remaining_seconds(attempt, at=None):
    if attempt.deadline_at is None or not attempt.is_open:
        return None
    return max(0, int((attempt.deadline_at - (at or now())).total_seconds()))


def is_past_grace(attempt, at=None):
    return attempt.deadline_at is not None and \
        (at or now()) > attempt.deadline_at + timedelta(seconds=GRACE_SECONDS)


def expire_if_due(attempt):
    """Submit an open attempt whose time (and grace) is over; True if it did."""
    if attempt.is_open and is_past_grace(attempt):
        submit_attempt(attempt, reason=TIMEOUT)
        return True
    return False


def start_attempt(user, quiz, rng=None):
    """(attempt, created): the open attempt if there is one, else a new one.

    Refuses (NoAttemptsLeft) past `max_attempts` and (QuizNotReady) when the paper
    would be empty. A concurrent start loses on the unique indexes and resumes
    the winner's attempt.
    """
    for _try in range(START_RETRIES):
        current = open_attempt(user, quiz)
        if current is not None:
            if not is_past_grace(current):
                return current, False
            with database.write_transaction(db.session()):
                expire_if_due(current)   # rare: its time ran out unsubmitted
        used = db.session.scalar(select(func.count(Attempt.id)).where(
            Attempt.quiz_id == quiz.id, Attempt.user_id == user.id)) or 0
        if quiz.max_attempts and used >= quiz.max_attempts:
            raise NoAttemptsLeft(f"本测验最多可作答 {quiz.max_attempts} 次，您已用完。")
        drawn = paper.draw_paper(quiz, rng)
        if not drawn["items"]:
            raise QuizNotReady("本测验还没有题目，请联系课程负责人。")
        number = (db.session.scalar(select(func.max(Attempt.number)).where(
            Attempt.quiz_id == quiz.id, Attempt.user_id == user.id)) or 0) + 1
        started = now()
        deadline = started + timedelta(seconds=quiz.time_limit_seconds) \
            if quiz.time_limit_seconds else None
        # Everything above only read; the write lock is held from here (reads_first views).
        try:
            with database.write_transaction(db.session()):
                with db.session.begin_nested():
                    attempt = Attempt(quiz_id=quiz.id, user_id=user.id, number=number,
                                      started_at=started, deadline_at=deadline,
                                      status=OPEN_ATTEMPT, paper=drawn)
                    db.session.add(attempt)
                results.record_progress(user, quiz)
        except IntegrityError:
            continue  # someone else started one a moment ago: resume theirs
        return attempt, True
    current = open_attempt(user, quiz)
    if current is None:
        raise AttemptError("开始测验失败，请稍后重试。")
    return current, False


def _claim(attempt, **values):
    """Conditional write on the attempt row: True while it is still open."""
    result = db.session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.status == OPEN_ATTEMPT)
        .values(**values).execution_options(synchronize_session=False))
    db.session.refresh(attempt)
    db.session.expire(attempt, ["answers"])  # re-read under the lock we now hold
    return result.rowcount == 1


def _closed_message(attempt):
    if attempt.submit_reason == TIMEOUT:
        return "答题时间已到，系统已按已保存的答案自动交卷，不能再修改答案。"
    return "本次作答已交卷，不能再修改答案。"


def normalise_answers(attempt, raw_answers):
    """{question_id: canonical response or None}; ValueError (Chinese) on bad input."""
    if not isinstance(raw_answers, dict):
        raise AttemptError("答案格式无效。")
    shown = {item.question.id: item for item in paper.shown(attempt)}
    clean = {}
    for raw_id, raw in raw_answers.items():
        try:
            question_id = int(raw_id)
        except (TypeError, ValueError):
            raise AttemptError("题目编号无效。")
        item = shown.get(question_id)
        if item is None:
            raise AttemptError("该题不在本次试卷中。")
        if raw is None or (isinstance(raw, list) and not raw) or raw == "":
            clean[question_id] = None if raw is None else raw
            continue
        try:
            clean[question_id] = kinds.kind_of(item.data.kind).normalise_response(raw, item.data)
        except ValueError as exc:
            raise AttemptError(f"第 {item.number} 题：{exc}")
    return clean


def response_from_values(data, values):
    """A form's values for one question → a raw response its type accepts.

    An HTML form cannot say whether one ticked box is "2" or ["2"]; the type's own
    normaliser decides, so no question type is named here.
    """
    values = [v for v in values if isinstance(v, str)]
    if not values:
        return None
    if len(values) > 1:
        return values
    kind = kinds.kind_of(data.kind)
    for candidate in (values[0], values):
        try:
            kind.normalise_response(candidate, data)
            return candidate
        except ValueError:
            continue
    return values[0]  # neither fits: the single value's error is the one to show


def form_answers(attempt, formdata):
    """{question_id: raw response} for the questions the posted page showed."""
    shown = {str(v) for v in formdata.getlist("shown")}
    return {item.question.id: response_from_values(
        item.data, formdata.getlist(f"q-{item.question.id}"))
        for item in paper.shown(attempt) if str(item.question.id) in shown}


def save_answers(attempt, raw_answers):
    """Autosave: upsert each answer (idempotent). Returns the time they were saved.

    Raises AttemptClosed (409) once the attempt is submitted or its time is over.
    """
    expire_if_due(attempt)
    if not attempt.is_open:
        raise AttemptClosed(_closed_message(attempt))
    clean = normalise_answers(attempt, raw_answers)
    saved_at = now()
    if not _claim(attempt, last_saved_at=saved_at):
        raise AttemptClosed(_closed_message(attempt))
    existing = {a.question_id: a for a in attempt.answers}
    for question_id, response in clean.items():
        row = existing.get(question_id)
        if row is None:
            row = AttemptAnswer(question_id=question_id)
            attempt.answers.append(row)
        if row.response != response:
            row.response = response
        row.saved_at = saved_at
    db.session.flush()
    return saved_at


def submit_attempt(attempt, reason=MANUAL, answers=None):
    """Mark the attempt once; a repeated submit returns the same, unchanged result.

    `answers` (from the page's form) are saved first while the attempt still takes
    answers; after the deadline's grace only what was autosaved counts.
    """
    if attempt.is_open and reason == MANUAL and is_past_grace(attempt):
        reason = TIMEOUT
    if answers and attempt.is_open and reason == MANUAL:
        try:
            save_answers(attempt, answers)
        except AttemptClosed:
            pass
    if not attempt.is_open:
        return attempt
    if not _claim(attempt, status=SUBMITTED, submitted_at=now(), submit_reason=reason):
        return attempt  # another request marked it first; theirs is the result
    _grade(attempt)
    _record_wrong_answers(attempt)
    results.record_progress(attempt.user, attempt.quiz)
    return attempt


def _grade(attempt):
    quiz = attempt.quiz
    items = paper.shown(attempt)
    answers = {a.question_id: a for a in attempt.answers}
    total = 0.0
    for item in items:
        score = kinds.grade(item.data, item.response, quiz.partial_credit) \
            if paper.is_answered(item.response) else 0.0
        total += score
        row = answers.get(item.question.id)
        if row is None:
            row = AttemptAnswer(question_id=item.question.id, response=None,
                                saved_at=attempt.submitted_at)
            attempt.answers.append(row)
        row.score = score
    attempt.score = round(100 * total / len(items), 1) if items else 0.0
    attempt.passed = attempt.score + 1e-9 >= quiz.pass_mark
    db.session.flush()


def _record_wrong_answers(attempt):
    for answer in attempt.answers:
        if answer.score is not None and answer.score < 1 - 1e-9:
            wrongbook.record_wrong(attempt.user, answer.question_id, attempt.quiz,
                                   attempt.submitted_at)


def sweep_expired(limit=200):
    """Submit open attempts whose time and grace are over; returns their ids.

    Each in its own savepoint: one attempt that cannot be marked must not keep the
    others open (it is logged and retried on the next sweep).
    """
    cutoff = now() - timedelta(seconds=GRACE_SECONDS)
    due = list(db.session.scalars(select(Attempt).where(
        Attempt.status == OPEN_ATTEMPT, Attempt.deadline_at.is_not(None),
        Attempt.deadline_at < cutoff).order_by(Attempt.deadline_at).limit(limit)))
    done = []
    for attempt in due:
        try:
            with db.session.begin_nested():
                if expire_if_due(attempt):
                    done.append(attempt.id)
        except Exception:
            log.exception("could not submit expired quiz attempt %s", attempt.id)
    return done
