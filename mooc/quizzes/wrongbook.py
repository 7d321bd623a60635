"""错题本: the questions a learner missed, and ungraded practice until they get them right.

An entry is written when a marked attempt scores a question below full marks; it
counts how often and when. It is shown only once the quiz's feedback policy lets
the learner see answers (a "never" quiz must not reveal which answers were wrong
through the book either). Practising an entry right marks it mastered; missing
it again in a later attempt brings it back.
"""
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from mooc.catalog.permissions import can_view_course
from mooc.core.models import utcnow
from mooc.extensions import db
from mooc.quizzes import bank, kinds, text
from mooc.quizzes.paper import PaperItem
from mooc.quizzes.results import feedback_visible
from mooc.quizzes.models import SUBMITTED, Attempt, Question, WrongAnswer


def record_wrong(user, question_id, quiz, when=None):
    when = when or utcnow()
    entry = _entry(user.id, question_id)
    if entry is None:
        question = db.session.get(Question, question_id)
        try:
            with db.session.begin_nested():
                entry = WrongAnswer(user_id=user.id, question_id=question_id,
                                    course_id=question.course_id, times_wrong=0,
                                    last_wrong_at=when, mastered=False)
                db.session.add(entry)
        except IntegrityError:
            entry = _entry(user.id, question_id)
    entry.times_wrong = (entry.times_wrong or 0) + 1
    entry.last_wrong_at = when
    entry.quiz_id = quiz.id
    entry.mastered = False
    entry.mastered_at = None
    return entry


def _entry(user_id, question_id):
    return db.session.scalar(select(WrongAnswer).where(WrongAnswer.user_id == user_id,
                                                       WrongAnswer.question_id == question_id))


def is_visible(entry, user):
    """Shown once its quiz shows answers, and only while the learner may see the course."""
    if not can_view_course(user, entry.course):
        return False
    quiz = entry.quiz
    if quiz is None:
        return False
    submitted = db.session.scalar(select(func.count(Attempt.id)).where(
        Attempt.quiz_id == quiz.id, Attempt.user_id == user.id,
        Attempt.status == SUBMITTED))
    return feedback_visible(quiz, submitted)


@dataclass
class BookGroup:
    course: object
    entries: list


def book(user, *, include_mastered=False):
    """The learner's visible entries, grouped by course, most recently missed first."""
    query = select(WrongAnswer).where(WrongAnswer.user_id == user.id)
    if not include_mastered:
        query = query.where(WrongAnswer.mastered.is_(False))
    entries = [e for e in db.session.scalars(
        query.order_by(WrongAnswer.last_wrong_at.desc(), WrongAnswer.id.desc()))
        if is_visible(e, user)]
    groups = {}
    for entry in entries:
        groups.setdefault(entry.course_id, BookGroup(entry.course, [])).entries.append(entry)
    return list(groups.values())


def entry_for(user, entry_id):
    """The learner's own visible entry, or None (the view answers 404)."""
    entry = db.session.get(WrongAnswer, entry_id)
    if entry is None or entry.user_id != user.id or not is_visible(entry, user):
        return None
    return entry


@dataclass
class PracticeResult:
    correct: bool
    score: float
    response: object


def practise(entry, raw_response):
    """Ungraded: nothing is recorded but "mastered" when the answer is right.

    Raises ValueError (Chinese) for a response that is not an answer at all.
    """
    data = bank.to_data(entry.question)
    response = kinds.kind_of(data.kind).normalise_response(raw_response, data)
    score = kinds.grade(data, response, partial=False)
    correct = score >= 1 - 1e-9
    if correct and not entry.mastered:
        entry.mastered = True
        entry.mastered_at = utcnow()
    return PracticeResult(correct=correct, score=score, response=response)


def practice_item(entry, outcome=None):
    """The entry's question as a one-question paper (original option order)."""
    data = bank.to_data(entry.question)
    render = lambda value: text.render(value, data.text_format, course_id=entry.course_id)  # noqa: E731
    return PaperItem(number=1, question=entry.question, data=data,
                     response=outcome.response if outcome else None,
                     score=outcome.score if outcome else None, stem_html=render(data.stem),
                     options_html=[render(option) for option in data.options],
                     course_id=entry.course_id)
