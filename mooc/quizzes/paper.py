"""The paper of an attempt: drawing it, freezing it, and showing it as the learner saw it.

The paper is drawn once per attempt — the fixed list, or a fresh draw by the rules
(no question twice) — and stored with each choice question's option permutation.
Answers are stored as the learner saw the options, and `display_question` shows the
grader the question in that same order (the options and everything aligned with
them move together), so shuffled answers are marked right without any code here
knowing a question type.
"""
import random
from dataclasses import dataclass, replace

from sqlalchemy import select

from mooc.extensions import db
from mooc.quizzes import bank, text
from mooc.quizzes.models import RANDOM, Question
from mooc.quizzes.services import paper_questions


def display_question(data, perm):
    """`data` with its options in the order the learner saw them.

    `perm[i]` is the original index of the option shown in position i. Fields
    aligned with the options (correct indexes, weights, feedback) move with them.
    A permutation that no longer fits (the options were edited) is ignored.
    """
    if not perm or len(perm) != len(data.options) or sorted(perm) != list(range(len(perm))):
        return data
    shown_at = {original: position for position, original in enumerate(perm)}
    aligned = lambda values: None if values is None else [values[p] for p in perm]  # noqa: E731
    return replace(data, options=[data.options[p] for p in perm],
                   correct=sorted(shown_at[c] for c in data.correct if c in shown_at),
                   option_weights=aligned(data.option_weights),
                   option_feedback=aligned(data.option_feedback))


def _permutation(question, shuffle, rng):
    count = len(question.options or [])
    if not shuffle or count < 2:
        return None
    perm = list(range(count))
    rng.shuffle(perm)
    return perm


def draw_paper(quiz, rng=None):
    """{"items": [{"q": id, "perm": …}]}: the fixed list, or a fresh draw by the rules."""
    rng = rng or random.SystemRandom()
    if quiz.mode == RANDOM:
        course = quiz.lesson.course
        questions = bank.active_questions(course)
        chosen, taken = [], set()
        for rule in quiz.draw_rules or []:
            candidates = [q for q in bank.pool(course, rule, questions) if q.id not in taken]
            picked = rng.sample(candidates, min(rule["count"], len(candidates)))
            taken.update(q.id for q in picked)
            chosen.extend(picked)
    else:
        chosen = [q for q in paper_questions(quiz) if q.archived_at is None]
    return {"items": [{"q": q.id, "perm": _permutation(q, quiz.shuffle_options, rng)}
                      for q in chosen]}


@dataclass
class PaperItem:
    number: int
    question: Question
    data: object            # QuestionData as shown (options permuted)
    response: object        # as saved, in shown order; None when not answered
    score: float | None     # 0–1 once marked
    stem_html: str
    options_html: list
    course_id: int | None = None

    @property
    def explanation_html(self):
        return text.render(self.data.explanation, self.data.text_format,
                           course_id=self.course_id)

    @property
    def answered(self):
        return is_answered(self.response)

    @property
    def kind_label(self):
        return bank.kind_label(self.data.kind)

    @property
    def is_correct(self):
        return self.score is not None and self.score >= 1 - 1e-9


def is_answered(response):
    return response is not None and response != "" and response != []


def shown(attempt):
    """The attempt's questions, as shown, with the saved responses."""
    items = (attempt.paper or {}).get("items", [])
    ids = [item["q"] for item in items]
    rows = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(ids)))} \
        if ids else {}
    answers = {a.question_id: a for a in attempt.answers}
    course_id = attempt.quiz.lesson.course_id
    result = []
    for item in items:
        question = rows.get(item["q"])
        if question is None:
            continue
        data = display_question(bank.to_data(question), item.get("perm"))
        answer = answers.get(question.id)
        result.append(PaperItem(
            number=len(result) + 1, question=question, data=data,
            response=answer.response if answer else None,
            score=answer.score if answer else (0.0 if not attempt.is_open else None),
            stem_html=text.render(data.stem, data.text_format, course_id=course_id),
            options_html=[text.render(o, data.text_format, course_id=course_id)
                          for o in data.options], course_id=course_id))
    return result
