"""The quiz lesson kind: the catalog's placeholder, made real.

Re-registered under the same name ("quiz"), so the catalog's lesson page shows the
quiz summary (attempts, best score, start/continue) without knowing about quizzes.
Imported by mooc.quizzes.views, which is in BLUEPRINTS, so it is in place at start.
"""
from mooc.catalog import kinds as lesson_kinds
from mooc.catalog.rendering import plain_text
from mooc.quizzes import results, services
from mooc.quizzes.forms import ActionForm
from mooc.quizzes.permissions import can_edit_bank


@lesson_kinds.register
class QuizLesson(lesson_kinds.QuizLesson):
    template = "quizzes/lesson_kind.html"

    @classmethod
    def search_text(cls, lesson):
        # Title and description only: questions and answers must never be searchable.
        return f"{lesson.title}\n{plain_text(lesson.body)}"

    @classmethod
    def learner_context(cls, lesson, user):
        quiz = services.quiz_for(lesson)
        result = results.summary(user, quiz) if quiz is not None else None
        return {"quiz": quiz, "quiz_summary": result,
                "quiz_question_count": paper_size(quiz) if quiz is not None else 0,
                "quiz_form": ActionForm(),
                "quiz_editor": can_edit_bank(user, lesson.course),
                "quiz_feedback": results.feedback_visible(quiz, len(result.attempts))
                if quiz is not None else False}


def paper_size(quiz):
    if quiz.mode == services.RANDOM:
        return sum(rule.get("count", 0) for rule in quiz.draw_rules or [])
    return sum(1 for item in quiz.items if item.question.archived_at is None)
