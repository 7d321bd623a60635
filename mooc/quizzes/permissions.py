"""Named predicates for banks, quizzes and attempts (style: mooc.core.permissions).

Who may see the lesson may take its quiz; outsiders get 404 from the views, so a
restricted course's quizzes do not reveal that they exist. A bank belongs to its
course: whoever may edit the course may edit its questions.
"""
from mooc.catalog.permissions import can_edit_course, can_view_lesson


def can_edit_bank(user, course):
    return can_edit_course(user, course)


def can_take_quiz(user, quiz):
    return quiz is not None and can_view_lesson(user, quiz.lesson)


def is_attempt_owner(user, attempt):
    return bool(user and user.is_authenticated and attempt.user_id == user.id)


def can_answer_attempt(user, attempt):
    """Only its learner writes to an attempt, and only while they may still see the quiz."""
    return is_attempt_owner(user, attempt) and can_take_quiz(user, attempt.quiz)


def can_view_attempt(user, attempt):
    """The learner, and the course's editors (to answer "why did I fail?")."""
    return can_answer_attempt(user, attempt) or \
        bool(user and user.is_authenticated and can_edit_course(user, attempt.quiz.lesson.course))
