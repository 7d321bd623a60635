"""Quiz factories: questions as QuestionData, and a published course with a configured quiz."""
import itertools

from mooc.extensions import db
from mooc.quizzes import services
from mooc.quizzes.formats.common import QuestionData
from tests.catalog_factories import make_course, make_lesson

_counter = itertools.count(1)


def single(stem=None, options=("为人民服务", "发展经济", "依法治国", "从严治党"), correct=(0,),
           **fields):
    return QuestionData(kind="single", stem=stem or f"单选题{next(_counter)}：党的根本宗旨是？",
                        options=list(options), correct=list(correct), **fields)


def multiple(stem=None, options=("政治纪律", "组织纪律", "廉洁纪律", "娱乐纪律"), correct=(0, 1, 2),
             **fields):
    return QuestionData(kind="multiple", stem=stem or f"多选题{next(_counter)}：党的纪律有？",
                        options=list(options), correct=list(correct), **fields)


def truefalse(stem=None, answer=True, **fields):
    return QuestionData(kind="truefalse", stem=stem or f"判断题{next(_counter)}：党员须年满十八岁。",
                        answer_true=answer, **fields)


def fill(stem=None, answers=("共产主义",), **fields):
    return QuestionData(kind="fill", stem=stem or f"填空题{next(_counter)}：最高理想是实现____。",
                        accepted_answers=list(answers), **fields)


def four_kinds():
    return [single(), multiple(), truefalse(), fill()]


def make_quiz(questions=None, *, owner=None, published=True, course=None, **settings):
    """(course, lesson, quiz): a published course with one quiz lesson, configured."""
    course = course or make_course(owner=owner, published=published)
    lesson = make_lesson(course, title=f"测验{next(_counter)}", kind="quiz",
                         body="本测验检验学习效果。")
    quiz = services.configure_quiz(lesson, four_kinds() if questions is None else questions,
                                   settings, actor=owner)
    db.session.commit()
    return course, lesson, quiz
