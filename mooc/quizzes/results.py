"""What a learner's attempts add up to: the score that counts, passing, feedback, completion.

The score policy picks the counted score (highest or last); passing completes the
lesson (or, when the quiz does not require passing, any submitted attempt does).
Progress only ever rises: a later, lower score never undoes a completion.
"""
from dataclasses import dataclass

from sqlalchemy import select

from mooc.catalog import learning
from mooc.catalog.permissions import can_enrol
from mooc.extensions import db
from mooc.progress import services as progress
from mooc.quizzes.models import AFTER_LAST_ATTEMPT, AFTER_SUBMIT, HIGHEST, RANDOM, Attempt


def attempts_for(user, quiz):
    return list(db.session.scalars(select(Attempt).where(
        Attempt.quiz_id == quiz.id, Attempt.user_id == user.id).order_by(Attempt.number)))


@dataclass
class QuizSummary:
    quiz: object
    attempts: list          # submitted, oldest first
    open: object            # the open attempt, or None
    best: float | None
    counted: float | None   # the score that counts (score policy)
    passed: bool
    attempts_left: int | None  # None: unlimited
    ready: bool             # the quiz has questions

    @property
    def can_start(self):
        return self.ready and self.open is None and self.attempts_left != 0

    @property
    def completes_lesson(self):
        return self.passed if self.quiz.required else bool(self.attempts)


def summary(user, quiz):
    all_attempts = attempts_for(user, quiz)
    current = next((a for a in all_attempts if a.is_open), None)
    done = [a for a in all_attempts if not a.is_open]
    best = max((a.score for a in done), default=None)
    counted = best if quiz.score_policy == HIGHEST else (done[-1].score if done else None)
    left = None if not quiz.max_attempts else max(0, quiz.max_attempts - len(all_attempts))
    ready = bool(quiz.draw_rules) if quiz.mode == RANDOM else bool(quiz.items)
    return QuizSummary(quiz=quiz, attempts=done, open=current, best=best, counted=counted,
                       passed=counted is not None and counted + 1e-9 >= quiz.pass_mark,
                       attempts_left=left, ready=ready)


def feedback_visible(quiz, submitted_count):
    """May the learner see which answers were right (and the explanations)?"""
    if quiz.feedback_policy == AFTER_SUBMIT:
        return True
    if quiz.feedback_policy == AFTER_LAST_ATTEMPT:
        return bool(quiz.max_attempts) and submitted_count >= quiz.max_attempts
    return False


def record_progress(user, quiz):
    """Progress only ever rises: passing (or any attempt, if passing is not required)
    completes the lesson; previews and drafts record nothing."""
    lesson = quiz.lesson
    if not (lesson.published and can_enrol(user, lesson.course)):
        return None
    learning.enrol(user, lesson.course)
    result = summary(user, quiz)
    data = {"attempts": len(result.attempts), "best_score": result.best,
            "score": result.counted, "passed": result.passed}
    return progress.record_progress(user, lesson, 1.0 if result.completes_lesson else 0.0,
                                    data=data)
