"""The quiz settings editor on a quiz lesson: the paper (fixed list or draw rules) and rules.

Course owners and admins only (403 for a course the user can see, else 404).
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mooc.catalog.models import Lesson
from mooc.core.permissions import can_author_courses, require
from mooc.extensions import db
from mooc.quizzes import bank, services
from mooc.quizzes.bank_views import editable_course
from mooc.quizzes.forms import QuizSettingsForm
from mooc.quizzes.lesson_kind import paper_size
from mooc.quizzes.models import RANDOM

bp = Blueprint("quiz_settings", __name__, url_prefix="/author")


def editable_quiz_lesson(lesson_id):
    lesson = db.get_or_404(Lesson, lesson_id)
    editable_course(lesson.course_id)
    if lesson.kind != services.QUIZ_KIND:
        abort(404)
    return lesson


def _initial(form, quiz):
    """Fill the form from the saved quiz (GET)."""
    if quiz is None:
        return
    form.mode.data = quiz.mode
    form.question_ids.data = [str(item.question_id) for item in quiz.items]
    form.pass_mark.data = quiz.pass_mark
    form.time_limit_minutes.data = quiz.time_limit_minutes
    form.max_attempts.data = quiz.max_attempts
    form.score_policy.data = quiz.score_policy
    form.feedback_policy.data = quiz.feedback_policy
    for flag in ("shuffle_options", "partial_credit", "one_per_page", "required"):
        getattr(form, flag).data = getattr(quiz, flag)
    rules = list(quiz.draw_rules or [])
    while len(form.rules.entries) < min(len(rules) + 1, form.rules.max_entries):
        form.rules.append_entry()
    for entry, rule in zip(form.rules.entries, rules):
        entry.form.kind.data = rule["kind"]
        entry.form.count.data = rule["count"]
        entry.form.tags.data = "，".join(rule.get("tags") or [])
        entry.form.difficulty.data = rule.get("difficulty") or ""


@bp.route("/quizzes/<int:quiz_lesson_id>/settings", methods=["GET", "POST"])
@require(can_author_courses)
def edit(quiz_lesson_id):
    lesson = editable_quiz_lesson(quiz_lesson_id)
    course = lesson.course
    quiz = services.quiz_for(lesson)
    questions = bank.active_questions(course)
    form = QuizSettingsForm()
    form.set_choices(questions)
    if request.method == "GET":
        _initial(form, quiz)
    elif form.validate_on_submit():
        fields = dict(
            mode=form.mode.data, draw_rules=form.rule_dicts(),
            pass_mark=form.pass_mark.data, time_limit_minutes=form.time_limit_minutes.data,
            max_attempts=form.max_attempts.data, score_policy=form.score_policy.data,
            feedback_policy=form.feedback_policy.data,
            shuffle_options=form.shuffle_options.data, partial_credit=form.partial_credit.data,
            one_per_page=form.one_per_page.data, required=form.required.data)
        if form.mode.data != RANDOM:
            fields["question_ids"] = form.ordered_question_ids(request.form)
        try:
            services.update_settings(services.ensure_quiz(lesson), current_user, **fields)
        except services.QuizError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("测验设置已保存。"), "success")
            return redirect(url_for("quiz_settings.edit", quiz_lesson_id=lesson.id))
    positions = {item.question_id: item.position + 1 for item in quiz.items} if quiz else {}
    pools = [(entry, len(bank.pool(course, rule, questions)) if rule else None)
             for entry, rule in _rules_by_entry(form)]
    return render_template("quizzes/settings.html", lesson=lesson, course=course, quiz=quiz,
                           form=form, questions=questions, positions=positions, pools=pools,
                           kind_label=bank.kind_label)


def _rules_by_entry(form):
    """Each rule row with the rule it describes (None for an empty row), for pool counts."""
    for entry in form.rules.entries:
        kind = entry.form.kind.data
        if not kind:
            yield entry, None
            continue
        try:
            rule = services.clean_rules([{"kind": kind, "count": entry.form.count.data or 1,
                                          "tags": entry.form.tags.data or "",
                                          "difficulty": entry.form.difficulty.data or None}])[0]
        except services.QuizError:
            rule = None
        yield entry, rule


@bp.app_template_global("quiz_author_panel")
def quiz_author_panel(lesson):
    """For the quiz lesson's edit page (quizzes/author_panel.html): the quiz and its size."""
    quiz = services.quiz_for(lesson)
    return {"quiz": quiz, "count": paper_size(quiz) if quiz is not None else 0}
