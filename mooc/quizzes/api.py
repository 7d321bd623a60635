"""JSON API for the attempt page: state, autosave, submit (quiz.js calls these).

Errors are JSON ``{"error": Chinese message, "code": HTTP status, "reason": …}``
with a 4xx: 400 for malformed input, 404 for attempts that are not yours, 409 for
any write to a closed attempt (with ``result_url`` so the page can move on).
Autosave is an idempotent upsert, so quiz.js may retry a request freely.
"""
from flask import Blueprint, abort, jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mooc.core import database
from mooc.core.fastpath import Fallback
from mooc.core.jsonbody import bytes_or_none, json_body
from mooc.core.lightweight import lightweight_user, signed_in_user
from mooc.extensions import db
from mooc.quizzes import attempts, autosave
from mooc.quizzes.models import Attempt
from mooc.quizzes.permissions import can_answer_attempt

bp = Blueprint("quiz_api", __name__, url_prefix="/api/quiz")
MAX_ANSWERS_PER_REQUEST = 500


def _iso(moment):
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def _error(status, message, reason, **extra):
    return jsonify({"error": message, "code": status, "reason": reason, **extra}), status


def _own(attempt_id):
    attempt = db.get_or_404(Attempt, attempt_id)
    if not can_answer_attempt(current_user, attempt):
        abort(404)
    return attempt


def _result_url(attempt):
    return url_for("quizzes.result", attempt_id=attempt.id)


def _answers_from_body():
    """{question_id: response} from {"answers": {...}} or {"question_id", "response"};
    a body that is not a JSON object is a 400 (bad_json) from json_body()."""
    return _answers_in(json_body())


def _answers_in(body):
    if "answers" in body:
        answers = body["answers"]
        if not isinstance(answers, dict) or len(answers) > MAX_ANSWERS_PER_REQUEST:
            return None
        return answers
    if "question_id" in body:
        question_id = body["question_id"]
        if not isinstance(question_id, (int, str)) or isinstance(question_id, bool):
            return None  # a list or object here is a malformed request, not a key
        return {question_id: body.get("response")}
    return None


def _state(attempt):
    return {"id": attempt.id, "status": attempt.status,
            "remaining_seconds": attempts.remaining_seconds(attempt),
            "time_up": attempts.is_past_grace(attempt) if attempt.is_open else False,
            "saved_at": _iso(attempt.last_saved_at),
            "answers": {str(a.question_id): a.response for a in attempt.answers},
            "result_url": None if attempt.is_open else _result_url(attempt)}


@bp.route("/attempts/<int:attempt_id>")
@login_required
def state(attempt_id):
    return jsonify(_state(_own(attempt_id)))


@bp.route("/attempts/<int:attempt_id>/answers", methods=["POST"])
@database.reads_first   # a hot path: the write lock only for the save itself
@lightweight_user
@login_required
def save(attempt_id):
    try:
        row = autosave.attempt_for(signed_in_user(), attempt_id)
    except autosave.NotYours:
        abort(404)
    answers = _answers_from_body()
    if answers is None:
        return _error(400, _("请求格式无效：应为 JSON，如 {\"answers\": {\"题目编号\": 答案}}。"),
                      "bad_request")
    try:
        saved_at, remaining = autosave.save(row, answers)
    except attempts.AttemptClosed as exc:
        return _error(409, str(exc), "closed",
                      result_url=url_for("quizzes.result", attempt_id=attempt_id))
    except attempts.AttemptError as exc:
        database.end_reads(db.session())
        return _error(exc.status, str(exc), "invalid")
    return jsonify(_saved(saved_at, answers, remaining))


def _saved(saved_at, answers, remaining):
    return {"saved_at": _iso(saved_at), "saved": sorted(int(k) for k in answers),
            "remaining_seconds": remaining}


def fast_save(user, body, attempt_id):
    """`save` on the fast path (core.fastpath): the same save and answer when it succeeds;
    anything else (a bad body, not this user's attempt, a closed one) goes to `save`,
    whose answers are in the user's language."""
    data = bytes_or_none(body)
    answers = _answers_in(data) if isinstance(data, dict) else None
    if answers is None:
        raise Fallback()
    try:
        row = autosave.attempt_for(user, attempt_id)
        saved_at, remaining = autosave.save(row, answers)
    except (autosave.NotYours, attempts.AttemptError):
        database.end_reads(db.session())
        raise Fallback() from None
    return _saved(saved_at, answers, remaining), 200


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@database.reads_first   # ownership and permission checks take no write lock
@login_required
def submit(attempt_id):
    attempt = _own(attempt_id)
    answers = json_body(optional=True).get("answers")  # no body: submit what is saved
    if answers is not None and not isinstance(answers, dict):
        return _error(400, _("答案格式无效。"), "bad_request")
    try:
        with database.write_transaction(db.session()):
            attempts.submit_attempt(attempt, answers=answers or None)
    except attempts.AttemptError as exc:
        return _error(exc.status, str(exc), "invalid")
    return jsonify({"status": attempt.status, "score": attempt.score, "passed": attempt.passed,
                    "reason": attempt.submit_reason, "submitted_at": _iso(attempt.submitted_at),
                    "result_url": _result_url(attempt)})
