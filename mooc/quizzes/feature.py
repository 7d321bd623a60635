"""Quizzes: question banks, papers, attempts with autosave, results, the wrong-answer book."""
from flask_babel import lazy_gettext as _l

from mooc.catalog import kinds as lesson_kinds
from mooc.core import fastpath, jobs, navigation
from mooc.core.permissions import everyone
from mooc.core.registry import mark_registered
from mooc.quizzes import api, bank_views, cli, settings_views, tasks, views
from mooc.quizzes.lesson_kind import QuizLesson


def register(app):
    mark_registered(app, "quizzes")
    for module in (views, api, bank_views, settings_views):
        app.register_blueprint(module.bp)
    app.cli.add_command(cli.quiz_group)
    # Larger bodies (up to the app's limit) are still saved, by the Flask view.
    fastpath.register(app, "quiz_api.save", api.fast_save, max_body=256 * 1024)
    navigation.register(app, _l("错题本"), "quizzes.wrong_book", everyone, order=20)
    lesson_kinds.register(QuizLesson)
    jobs.register_tasks(app, tasks)
