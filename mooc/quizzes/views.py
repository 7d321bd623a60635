"""The learner's quiz pages: start, the attempt page, submit, result, the wrong-answer book.

Anything a user may not see answers 404 (never 403), as in the catalog. GET pages
never write: an attempt whose time is over shows "time is up" and posts the
submission itself (the sweep task would submit it within a minute anyway).
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mooc.catalog.models import Lesson
from mooc.core import database
from mooc.core.views_support import commit_or_flash
from mooc.extensions import db
from mooc.quizzes import attempts, paper, results, services, wrongbook
from mooc.quizzes.forms import ActionForm, PracticeForm
from mooc.quizzes.models import Attempt
from mooc.quizzes.permissions import (can_answer_attempt, can_take_quiz, can_view_attempt,
                                      is_attempt_owner)

bp = Blueprint("quizzes", __name__, url_prefix="/quiz")


def takeable_quiz(lesson_id):
    lesson = db.get_or_404(Lesson, lesson_id)
    quiz = services.quiz_for(lesson) if lesson.kind == services.QUIZ_KIND else None
    if quiz is None or not can_take_quiz(current_user, quiz):
        abort(404)
    return quiz


def own_attempt(attempt_id):
    attempt = db.get_or_404(Attempt, attempt_id)
    if not can_answer_attempt(current_user, attempt):
        abort(404)
    return attempt


def lesson_url(quiz):
    return url_for("catalog.lesson", course_id=quiz.lesson.course_id, lesson_id=quiz.lesson_id)


@bp.route("/<int:quiz_lesson_id>/start", methods=["POST"])
@database.reads_first   # start_attempt takes the write lock only to write
@login_required
def start(quiz_lesson_id):
    quiz = takeable_quiz(quiz_lesson_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    # Not commit_or_flash: start_attempt commits its own short write, and ending the
    # read transaction without expiring keeps the redirect free of further queries.
    try:
        attempt, _created = attempts.start_attempt(current_user, quiz)
    except attempts.AttemptError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(lesson_url(quiz))
    database.end_reads(db.session())   # start_attempt committed what it wrote
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id):
    attempt = own_attempt(attempt_id)
    if not attempt.is_open:
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    quiz = attempt.quiz
    if attempts.is_past_grace(attempt):
        return render_template("quizzes/time_up.html", attempt=attempt, quiz=quiz,
                               form=ActionForm())
    return render_template("quizzes/attempt.html", attempt=attempt, quiz=quiz,
                           lesson=quiz.lesson, items=paper.shown(attempt),
                           remaining=attempts.remaining_seconds(attempt), form=ActionForm(),
                           lesson_url=lesson_url(quiz))


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@login_required
def submit(attempt_id):
    attempt = own_attempt(attempt_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    was_open = attempt.is_open
    # A malformed answer in the form: keep what was autosaved, say what was wrong.
    with commit_or_flash(attempts.AttemptError) as outcome:
        answers = attempts.form_answers(attempt, request.form) if was_open else None
        attempts.submit_attempt(attempt, answers=answers)
    if not outcome.ok:
        return redirect(url_for("quizzes.attempt", attempt_id=attempt_id))
    if was_open and attempt.submit_reason == attempts.TIMEOUT:
        flash(_("答题时间已到，系统已按已保存的答案交卷。"), "info")
    return redirect(url_for("quizzes.result", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id):
    attempt = db.get_or_404(Attempt, attempt_id)
    if not can_view_attempt(current_user, attempt):
        abort(404)
    if attempt.is_open:
        if is_attempt_owner(current_user, attempt):
            return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
        abort(404)
    quiz = attempt.quiz
    learner = is_attempt_owner(current_user, attempt)
    mine = results.summary(attempt.user, quiz)
    show = results.feedback_visible(quiz, len(mine.attempts)) or not learner
    return render_template("quizzes/result.html", attempt=attempt, quiz=quiz, summary=mine,
                           items=paper.shown(attempt) if show else [], show_feedback=show,
                           learner=learner, form=ActionForm(), lesson_url=lesson_url(quiz))


@bp.route("/wrong")
@login_required
def wrong_book():
    show_all = request.args.get("all") == "1"
    return render_template("quizzes/wrong_book.html", show_all=show_all,
                           groups=wrongbook.book(current_user, include_mastered=show_all))


@bp.route("/wrong/<int:wrong_id>", methods=["GET", "POST"])
@login_required
def practise(wrong_id):
    entry = wrongbook.entry_for(current_user, wrong_id) or abort(404)
    form = PracticeForm()
    outcome, error = None, None
    if form.validate_on_submit():
        raw = attempts.response_from_values(wrongbook.practice_item(entry).data,
                                            request.form.getlist("answer"))
        try:
            if raw is None:
                raise ValueError(_("请先作答。"))
            outcome = wrongbook.practise(entry, raw)
        except ValueError as exc:
            error = str(exc)
        else:
            db.session.commit()
    elif request.method == "POST":
        abort(400)
    return render_template("quizzes/practice.html", entry=entry, form=form, outcome=outcome,
                           error=error, item=wrongbook.practice_item(entry, outcome))
