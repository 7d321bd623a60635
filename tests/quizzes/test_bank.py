"""The question bank: editor pages, filters, archive, quiz settings, package hooks, search."""
import re

import pytest
from sqlalchemy import func, select

from mooc.extensions import db as _db
from mooc.quizzes import attempts, bank, paper, services
from mooc.quizzes.formats.common import QuestionData
from mooc.quizzes.lesson_kind import QuizLesson
from mooc.quizzes.models import Question, Quiz
from tests.catalog_factories import make_course, make_lesson
from tests.conftest import csrf_token
from tests.quizzes.factories import fill, make_quiz, multiple, single, truefalse


@pytest.fixture
def owner(make_user):
    return make_user(username="jiangshi", role="instructor")


@pytest.fixture
def course(app, owner):
    return make_course(owner=owner)


def post_form(client, url, data):
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


def test_upsert_matches_by_fingerprint_and_restores_archived(app, course, owner):
    first = bank.upsert_questions(course, [single("甲题"), truefalse("乙题")], owner)
    assert (first.created, first.updated) == (2, 0)
    bank.archive_question(first.questions[0], owner)
    again = bank.upsert_questions(course, [single("甲题", explanation="新解析"), truefalse("乙题")],
                                  owner)
    assert (again.created, again.updated, again.unchanged, again.restored) == (0, 1, 1, 1)
    assert _db.session.scalar(select(func.count(Question.id))) == 2
    with pytest.raises(bank.BankError, match="第 2 题：单选题必须恰好有一个正确答案"):
        bank.upsert_questions(course, [single("丙题"), single("丁题", correct=[])], owner)


def test_bank_filters(app, course, owner):
    bank.upsert_questions(course, [
        single("党章单选", tags=["党章"], difficulty="easy"),
        truefalse("纪律判断", tags=["纪律", "党章"], difficulty="hard"),
        fill("百分号 100%_填空", tags=["纪律"])], owner)

    def stems(**filters):
        return sorted(q.stem for q in _db.session.scalars(bank.bank_query(course, **filters)))
    assert stems(tag="党章") == ["党章单选", "纪律判断"]
    assert stems(tag="党") == []
    assert stems(kind="fill") == ["百分号 100%_填空"]
    assert stems(difficulty="hard") == ["纪律判断"]
    assert stems(q="100%_") == ["百分号 100%_填空"]
    assert stems(q="%") == ["百分号 100%_填空"]
    assert bank.course_tags(course) == ["党章", "纪律"]


def test_editor_creates_edits_and_archives(client, login_as, owner, course):
    login_as(owner)
    url = f"/author/courses/{course.id}/questions/new"
    bad = post_form(client, url, {"kind": "single", "stem": "党的宗旨？",
                                  "options": "为人民服务\n发展经济", "answer": "C"})
    assert bad.status_code == 200 and "单选题的答案“C”不在选项中" in bad.get_data(as_text=True)
    good = post_form(client, url, {"kind": "multiple", "stem": "党的纪律有？",
                                   "options": "政治纪律\n组织纪律\n娱乐纪律", "answer": "A、B",
                                   "explanation": "见党章", "difficulty": "medium",
                                   "tags": "纪律，党章"})
    assert good.status_code == 302
    question = _db.session.scalar(select(Question))
    assert (question.kind, question.correct, question.tags) == ("multiple", [0, 1], ["纪律", "党章"])
    duplicate = post_form(client, url, {"kind": "multiple", "stem": "党的纪律有？",
                                        "options": "政治纪律\n组织纪律\n娱乐纪律", "answer": "A"})
    assert "题库中已有相同的题目" in duplicate.get_data(as_text=True)

    edit_url = f"/author/questions/{question.id}/edit"
    html = client.get(edit_url).get_data(as_text=True)
    assert 'value="AB"' in html and "政治纪律\n组织纪律\n娱乐纪律" in html
    assert post_form(client, edit_url, {"kind": "truefalse", "stem": "党员须年满十八岁。",
                                        "answer": "√"}).status_code == 302
    _db.session.expire_all()
    assert (question.kind, question.answer_true, question.options) == ("truefalse", True, [])

    listing = client.get(f"/author/courses/{course.id}/questions").get_data(as_text=True)
    assert "党员须年满十八岁。" in listing and "判断题" in listing
    token = csrf_token(client, f"/author/courses/{course.id}/questions")
    client.post(f"/author/questions/{question.id}/archive", data={"csrf_token": token})
    _db.session.expire_all()
    assert question.is_archived
    assert "党员须年满十八岁。" not in client.get(
        f"/author/courses/{course.id}/questions").get_data(as_text=True)
    assert "党员须年满十八岁。" in client.get(
        f"/author/courses/{course.id}/questions?archived=1").get_data(as_text=True)


def test_learners_cannot_edit_the_bank_and_outsiders_get_404(client, login_as, make_user,
                                                            course, owner):
    question = bank.create_question(course, single("甲题"), owner)
    hidden = make_course(owner=owner, published=False)
    _db.session.commit()
    login_as(username="xueyuan")
    assert client.get(f"/author/courses/{course.id}/questions").status_code == 403
    token = csrf_token(client, "/home")
    assert client.post(f"/author/questions/{question.id}/archive",
                       data={"csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login_as(username="other-teacher", role="instructor")
    assert client.get(f"/author/courses/{course.id}/questions").status_code == 403
    assert client.get(f"/author/courses/{hidden.id}/questions").status_code == 404
    assert client.get(f"/author/courses/{course.id}/questions/export/gift").status_code == 403


def test_settings_editor_fixed_and_random(client, login_as, owner, course):
    lesson = make_lesson(course, kind="quiz", title="结业测验")
    summary = bank.upsert_questions(course, [single("一"), single("二"), truefalse("三")], owner)
    _db.session.commit()
    ids = [q.id for q in summary.questions]
    login_as(owner)
    url = f"/author/quizzes/{lesson.id}/settings"
    assert client.get(url).status_code == 200
    response = post_form(client, url, {
        "mode": "fixed", "question_ids": [str(ids[0]), str(ids[2])],
        f"position-{ids[2]}": "1", f"position-{ids[0]}": "2", "pass_mark": "80",
        "time_limit_minutes": "15", "max_attempts": "", "score_policy": "last",
        "feedback_policy": "never", "shuffle_options": "y", "required": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    quiz = services.quiz_for(lesson)
    assert [item.question_id for item in quiz.items] == [ids[2], ids[0]]
    assert (quiz.pass_mark, quiz.time_limit_seconds, quiz.max_attempts, quiz.score_policy,
            quiz.feedback_policy, quiz.shuffle_options) == (80, 900, None, "last", "never", True)
    short = post_form(client, url, {"mode": "random", "rules-0-kind": "single",
                                    "rules-0-count": "5", "pass_mark": "60",
                                    "score_policy": "highest", "feedback_policy": "after_submit"})
    assert "第 1 条抽题规则要求 5 道题，题库中只有 2 道符合" in short.get_data(as_text=True)
    ok = post_form(client, url, {"mode": "random", "rules-0-kind": "single", "rules-0-count": "2",
                                 "rules-1-kind": "truefalse", "rules-1-count": "1",
                                 "pass_mark": "60", "score_policy": "highest",
                                 "feedback_policy": "after_submit"})
    assert ok.status_code == 302
    _db.session.expire_all()
    assert quiz.mode == "random" and [r["count"] for r in quiz.draw_rules] == [2, 1]
    assert "题库中符合的题目：2 道" in client.get(url).get_data(as_text=True)
    text_lesson = course.lessons[0]
    assert client.get(f"/author/quizzes/{text_lesson.id}/settings").status_code == 404


def test_configure_quiz_is_idempotent_and_round_trips(app, owner, course):
    lesson = make_lesson(course, kind="quiz")
    questions = [single("一"), multiple("二"), truefalse("三"), fill("四")]
    settings = {"pass_mark": 80, "time_limit_minutes": 20, "max_attempts": 3,
                "shuffle_options": True, "partial_credit": True, "show_feedback": "never",
                "score_policy": "last", "draw": [], "one_per_page": True}
    for _ in range(2):
        quiz = services.configure_quiz(lesson, questions, settings)
        _db.session.commit()
    assert _db.session.scalar(select(func.count(Question.id))) == 4
    assert _db.session.scalar(select(func.count(Quiz.id))) == 1
    exported, exported_settings = services.quiz_package_data(lesson)
    assert exported == questions
    assert exported_settings == settings
    draw = {**settings, "draw": [{"kind": "single", "count": 1, "tags": []}]}
    services.configure_quiz(lesson, questions, draw)
    assert quiz.mode == "random"
    assert services.quiz_package_data(lesson)[1]["draw"] == draw["draw"]
    with pytest.raises(services.QuizError, match="题库中只有"):
        services.configure_quiz(lesson, questions,
                                {"draw": [{"kind": "fill", "count": 9, "tags": []}]})


def test_search_text_never_contains_questions(app, owner, course):
    _c, lesson, _quiz = make_quiz([single("绝密题干", options=["秘密答案", "别的"])],
                                  course=course)
    text = lesson.kind_class.search_text(lesson)
    assert lesson.kind_class is QuizLesson
    assert lesson.title in text and "本测验检验学习效果" in text
    assert "绝密题干" not in text and "秘密答案" not in text


def test_editing_options_keeps_old_attempts_readable(app, owner, course, make_user):
    _c, _lesson, quiz = make_quiz([single("甲", options=["a", "b", "c"])], course=course,
                                  shuffle_options=True)
    learner = make_user()
    attempt, _ = attempts.start_attempt(learner, quiz)
    question = quiz.items[0].question
    bank.update_question(question, QuestionData(kind="single", stem="甲", options=["a", "b"],
                                                correct=[1]), owner)
    attempts.submit_attempt(attempt)  # a permutation that no longer fits is ignored, not a crash
    assert paper.shown(attempt)[0].data.options == ["a", "b"]


def test_html_questions_are_sanitised(app, owner, course, make_user):
    html = '<p onclick="x()">题<script>alert(1)</script><img src="http://evil/x.png"></p>'
    _c, _lesson, quiz = make_quiz([single(html, text_format="html")], course=course)
    attempt, _ = attempts.start_attempt(make_user(), quiz)
    rendered = str(paper.shown(attempt)[0].stem_html)
    assert "script" not in rendered and "onclick" not in rendered and "img" not in rendered
    assert re.search(r"<p>题", rendered)
