"""Quiz autosave, the hot path of taking a quiz: five statements whatever the answers.

With the signed-in user's row: one SELECT for the attempt with its lesson's access
facts (catalog.lesson_access), one for the paper's questions, then, under the write
lock only (`database.write_transaction`; the view is `database.reads_first`), the
conditional UPDATE that serialises the save with submission (`… WHERE status =
'open'`, as attempts._claim) and one multi-row UPSERT of the answers. The rules are
attempts.py's: answers are normalised as the learner saw the options, an attempt
past its deadline's grace is submitted with what was saved (the rare, slower path),
and a closed attempt answers 409.
"""
import functools

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from mooc.catalog import lesson_access
from mooc.catalog.models import Course, Lesson
from mooc.core import database
from mooc.extensions import db
from mooc.quizzes import attempts, bank, kinds, paper
from mooc.quizzes.models import OPEN_ATTEMPT, Attempt, AttemptAnswer, Question, Quiz

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class NotYours(LookupError):
    """No such attempt, or not this user's to answer (404)."""


@functools.lru_cache(maxsize=512)
def _attempt_query(user):
    """Built once per worker for each lesson_access.SqlFacts; the attempt id is bound."""
    return (select(Attempt.id, Attempt.user_id, Attempt.status, Attempt.deadline_at,
                   Attempt.paper, *lesson_access.access_columns(user))
            .select_from(Attempt).join(Quiz, Quiz.id == Attempt.quiz_id)
            .join(Lesson, Lesson.id == Quiz.lesson_id).join(Course, Course.id == Lesson.course_id)
            .where(Attempt.id == bindparam("b_attempt")))


# Core rows, not ORM objects: an autosave reads every question of the paper (to number
# them as the learner sees them) but grades none; building mapped objects cost more
# than the query.
_QUESTIONS = (select(*(Question.__table__.c[name] for name in (
    "id", "kind", "stem", "options", "correct", "answer_true", "accepted_answers",
    "option_weights", "option_feedback", "explanation", "difficulty", "tags", "name",
    "text_format")))
    .where(Question.id.in_(bindparam("b_ids", expanding=True))))
_CLAIM = (update(Attempt).where(Attempt.id == bindparam("b_attempt"),
                                Attempt.status == OPEN_ATTEMPT)
          .values(last_saved_at=bindparam("b_saved_at"))
          .execution_options(synchronize_session=False))


def attempt_for(user, attempt_id):
    """The attempt's row with its access facts; NotYours (404) unless the user may answer it."""
    row = db.session.execute(_attempt_query(lesson_access.sql_facts(user)),
                             {"b_attempt": attempt_id, **lesson_access.params(user)}).one_or_none()
    # permissions.can_answer_attempt: its learner, while they may still see the quiz.
    if row is None or row.user_id != user.id or not lesson_access.decide(user, row).can_view:
        raise NotYours(attempt_id)
    return row


def _closed(attempt_id):
    """The 409 for a closed attempt; a lazy time-out submission is written first."""
    with database.write_transaction(db.session()):
        attempt = db.session.get(Attempt, attempt_id, populate_existing=True)
        attempts.expire_if_due(attempt)
    return attempts.AttemptClosed(attempts._closed_message(attempt))


def _normalise(row, raw_answers):
    """attempts.normalise_answers on the frozen paper, reading only the questions."""
    if not isinstance(raw_answers, dict):
        raise attempts.AttemptError("答案格式无效。")
    items = (row.paper or {}).get("items", [])
    ids = [item["q"] for item in items]
    questions = {q.id: q for q in db.session.execute(_QUESTIONS, {"b_ids": ids})} if ids else {}
    shown, number = {}, 0
    for item in items:           # numbered as paper.shown numbers them
        question = questions.get(item["q"])
        if question is not None:
            number += 1
            shown[question.id] = (number, item.get("perm"), question)
    clean = {}
    for raw_id, raw in raw_answers.items():
        try:
            question_id = int(raw_id)
        except (TypeError, ValueError):
            raise attempts.AttemptError("题目编号无效。")
        if question_id not in shown:
            raise attempts.AttemptError("该题不在本次试卷中。")
        if raw is None or (isinstance(raw, list) and not raw) or raw == "":
            clean[question_id] = None if raw is None else raw
            continue
        number, perm, question = shown[question_id]
        data = paper.display_question(bank.to_data(question), perm)
        try:
            clean[question_id] = kinds.kind_of(data.kind).normalise_response(raw, data)
        except ValueError as exc:
            raise attempts.AttemptError(f"第 {number} 题：{exc}")
    return clean


def save(row, raw_answers):
    """(saved_at, remaining_seconds) once the answers are durable, for a row from
    attempt_for. Raises AttemptClosed (409, after a lazy time-out submission) or
    AttemptError (400)."""
    attempt_id = row.id
    now = attempts.now()
    if row.status != OPEN_ATTEMPT or attempts.is_past_grace(row, at=now):
        raise _closed(attempt_id)
    clean = _normalise(row, raw_answers)
    with database.write_transaction(db.session()) as session:
        claimed = session.execute(_CLAIM, {"b_attempt": attempt_id, "b_saved_at": now})
        if claimed.rowcount == 1 and clean:
            _upsert_answers(session, attempt_id, clean, now)
    if claimed.rowcount != 1:   # submitted meanwhile: nothing was written
        raise _closed(attempt_id)
    remaining = None if row.deadline_at is None \
        else max(0, int((row.deadline_at - now).total_seconds()))
    return now, remaining


def _upsert_answers(session, attempt_id, clean, saved_at):
    table = AttemptAnswer.__table__
    insert = _INSERTS[session.get_bind().dialect.name]
    statement = insert(table).values([
        {"attempt_id": attempt_id, "question_id": question_id, "response": response,
         "saved_at": saved_at} for question_id, response in sorted(clean.items())])
    session.execute(statement.on_conflict_do_update(
        index_elements=[table.c.attempt_id, table.c.question_id],
        set_={"response": statement.excluded.response, "saved_at": statement.excluded.saved_at}))

