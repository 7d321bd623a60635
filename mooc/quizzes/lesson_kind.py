"""The quiz lesson kind: the lesson page's quiz summary and quizzes in course packages.

The catalog's lesson page shows the quiz summary (attempts, best score,
start/continue) without knowing about quizzes. Registered by the
quizzes feature's register(app).
"""
from flask_babel import lazy_gettext as _l

from mooc.catalog import kinds as lesson_kinds
from mooc.catalog.rendering import plain_text
from mooc.quizzes import lesson_package, results, services
from mooc.quizzes.forms import ActionForm
from mooc.quizzes.permissions import can_edit_bank


class QuizLesson(lesson_kinds.LessonKind):
    name = "quiz"
    menu_order = 30
    label = _l("测验")
    icon = "✎"
    template = "quizzes/lesson_kind.html"
    # For the lesson edit page: links to the bank and settings, and a warning while empty.
    author_template = "quizzes/author_panel.html"
    completion_rule = _l("通过测验后自动完成")
    package_keys = lesson_package.QUIZ_KEYS

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

    # ------------------------------------------------------------ course packages

    @classmethod
    def read_package_fields(cls, spec, front, check):
        spec.quiz = lesson_package.read_quiz(front, check)

    @classmethod
    def package_front_matter(cls, spec, front):
        return {**front, **lesson_package.front_matter(spec.quiz)} if spec.quiz else front

    @classmethod
    def package_files(cls, spec, media_source):
        if spec.quiz is None:
            return {}
        bank = spec.quiz.questions_file
        return {bank: lesson_package.question_bank_bytes(bank, spec.quiz.questions,
                                                         media_source(bank))}

    @classmethod
    def export_spec(cls, lesson, spec, media, remembered):
        spec.quiz = cls._stored_spec(lesson, remembered.get("questions")
                                     or f"quizzes/{lesson.slug}.gift")

    @classmethod
    def remembered_paths(cls, spec):
        return {"questions": spec.quiz.questions_file} if spec.quiz else {}

    @classmethod
    def import_content(cls, lesson, spec, root, actor):
        if spec.quiz is None:
            return False
        if services.quiz_for(lesson) is not None \
                and cls._stored_spec(lesson, spec.quiz.questions_file) == spec.quiz:
            return False  # same questions, same order, same settings: leave the quiz alone
        services.configure_quiz(lesson, spec.quiz.questions, spec.quiz.settings)
        return True

    @staticmethod
    def _stored_spec(lesson, questions_file):
        questions, settings = services.quiz_package_data(lesson)
        return lesson_package.spec_from_quiz(questions, settings, questions_file)


def paper_size(quiz):
    if quiz.mode == services.RANDOM:
        return sum(rule.get("count", 0) for rule in quiz.draw_rules or [])
    return sum(1 for item in quiz.items if item.question.archived_at is None)

