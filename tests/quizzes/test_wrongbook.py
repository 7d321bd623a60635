"""错题本: entries from marked attempts, shown per the feedback policy, practice until mastered."""
import re

import pytest

from mooc.extensions import db as _db
from mooc.quizzes import attempts, paper, wrongbook
from mooc.quizzes.models import WrongAnswer
from tests.conftest import csrf_token
from tests.quizzes.factories import make_quiz, multiple, single, truefalse


def take(user, quiz, answers_by_stem):
    attempt, _ = attempts.start_attempt(user, quiz)
    items = {item.data.stem: item.question.id for item in paper.shown(attempt)}
    attempts.save_answers(attempt, {items[s]: a for s, a in answers_by_stem.items()})
    attempts.submit_attempt(attempt)
    _db.session.commit()
    return attempt


def test_wrong_answers_are_collected_and_counted(app, make_user):
    learner = make_user()
    _c, _l, quiz = make_quiz([single("单选甲"), truefalse("判断乙"), multiple("多选丙")])
    take(learner, quiz, {"单选甲": 0, "判断乙": False})
    take(learner, quiz, {"单选甲": 0, "判断乙": True})
    entries = {e.question.stem: e for e in _db.session.query(WrongAnswer)}
    assert set(entries) == {"判断乙", "多选丙"}  # unanswered counts as wrong
    assert entries["判断乙"].times_wrong == 1 and entries["多选丙"].times_wrong == 2
    groups = wrongbook.book(learner)
    assert [len(g.entries) for g in groups] == [2]


def test_practice_marks_mastered_and_a_new_miss_brings_it_back(client, login_as):
    learner = login_as()
    _c, _l, quiz = make_quiz([single("单选甲", options=["对的", "错的"], explanation="见党章。")])
    take(learner, quiz, {"单选甲": 1})
    entry = _db.session.query(WrongAnswer).one()
    html = client.get("/quiz/wrong").get_data(as_text=True)
    assert "单选甲" in html and "错 1 次" in html
    url = f"/quiz/wrong/{entry.id}"
    token = csrf_token(client, url)
    wrong = client.post(url, data={"csrf_token": token, "answer": "1"}).get_data(as_text=True)
    assert "回答错误" in wrong and "见党章。" in wrong
    empty = client.post(url, data={"csrf_token": token}).get_data(as_text=True)
    assert "请先作答" in empty
    bad = client.post(url, data={"csrf_token": token, "answer": "7"})
    assert bad.status_code == 200 and "所选选项不存在" in bad.get_data(as_text=True)
    right = client.post(url, data={"csrf_token": token, "answer": "0"}).get_data(as_text=True)
    assert "回答正确" in right
    _db.session.expire_all()
    assert entry.mastered
    assert "单选甲" not in client.get("/quiz/wrong").get_data(as_text=True)
    assert "单选甲" in client.get("/quiz/wrong?all=1").get_data(as_text=True)
    take(learner, quiz, {"单选甲": 1})
    _db.session.expire_all()
    assert not entry.mastered and entry.times_wrong == 2


@pytest.mark.parametrize("policy", ["never", "after_last_attempt"])
def test_hidden_feedback_hides_the_book_too(client, login_as, policy):
    learner = login_as()
    _c, _l, quiz = make_quiz([single("单选甲")], show_feedback=policy, max_attempts=2)
    take(learner, quiz, {"单选甲": 1})
    entry = _db.session.query(WrongAnswer).one()
    assert "单选甲" not in client.get("/quiz/wrong").get_data(as_text=True)
    assert client.get(f"/quiz/wrong/{entry.id}").status_code == 404
    take(learner, quiz, {"单选甲": 1})
    visible = "单选甲" in client.get("/quiz/wrong").get_data(as_text=True)
    assert visible is (policy == "after_last_attempt")


def test_someone_elses_entry_is_404(client, login_as, make_user):
    owner = make_user()
    _c, _l, quiz = make_quiz([single("单选甲")])
    take(owner, quiz, {"单选甲": 1})
    entry = _db.session.query(WrongAnswer).one()
    login_as()
    assert client.get(f"/quiz/wrong/{entry.id}").status_code == 404
    assert re.search("暂无错题", client.get("/quiz/wrong").get_data(as_text=True))
