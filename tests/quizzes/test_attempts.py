"""Taking a quiz (services): papers, grading, shuffling, time limits, attempts, completion."""
import random
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mooc.core.models import utcnow
from mooc.extensions import db as _db
from mooc.progress.models import LessonProgress
from mooc.quizzes import attempts, bank, paper, results, services, tasks
from mooc.quizzes.models import Attempt, AttemptAnswer
from tests.quizzes.factories import fill, make_quiz, multiple, single, truefalse


class FakeClock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(attempts, "now", fake)
    return fake


@pytest.fixture
def learner(make_user):
    return make_user(username="xueyuan")


def answers_by_stem(attempt):
    return {item.data.stem: item for item in paper.shown(attempt)}


def right_answer(item):
    """The correct response for the question as shown (shuffled options included)."""
    data = item.data
    return {"single": lambda: data.correct[0], "multiple": lambda: list(data.correct),
            "truefalse": lambda: data.answer_true,
            "fill": lambda: data.accepted_answers[0]}[data.kind]()


def test_all_types_graded_through_an_attempt(app, learner):
    _course, _lesson, quiz = make_quiz([
        single("单选"), multiple("多选"), truefalse("判断", answer=False), fill("填空")])
    attempt, created = attempts.start_attempt(learner, quiz)
    assert created
    items = answers_by_stem(attempt)
    attempts.save_answers(attempt, {
        items["单选"].question.id: 0, items["多选"].question.id: [0, 1, 2],
        items["判断"].question.id: False, items["填空"].question.id: " 共产主义。"})
    attempts.submit_attempt(attempt)
    _db.session.commit()
    assert attempt.score == 100.0 and attempt.passed


def test_partial_credit_follows_the_quiz_setting(app, learner, make_user):
    questions = [multiple("多选", correct=(0, 1)), single("单选")]
    for partial, expected in ((False, 0.0), (True, 25.0)):
        _c, _l, quiz = make_quiz([q for q in questions], partial_credit=partial, pass_mark=20)
        attempt, _ = attempts.start_attempt(learner, quiz)
        items = answers_by_stem(attempt)
        # One right option out of two, nothing wrong: half marks on one question of two.
        attempts.save_answers(attempt, {items["多选"].question.id: [0]})
        attempts.submit_attempt(attempt)
        assert attempt.score == expected
        assert attempt.passed is (expected >= 20)


def test_random_paper_honours_rules_without_duplicates_and_is_frozen(app, learner):
    questions = [single(f"党章单选{i}", tags=["党章"]) for i in range(6)] + \
        [single(f"纪律单选{i}", tags=["纪律"]) for i in range(6)] + \
        [truefalse(f"判断{i}", difficulty="easy") for i in range(5)] + \
        [truefalse(f"难判断{i}", difficulty="hard") for i in range(5)]
    _c, _l, quiz = make_quiz(questions, draw=[{"kind": "single", "count": 3, "tags": ["党章"]},
                                              {"kind": "single", "count": 5, "tags": []}])
    services.update_settings(quiz, None, draw_rules=quiz.draw_rules + [
        {"kind": "truefalse", "count": 2, "tags": [], "difficulty": "hard"}])
    _db.session.commit()
    papers = set()
    for seed in range(8):
        drawn = paper.draw_paper(quiz, random.Random(seed))
        ids = [item["q"] for item in drawn["items"]]
        assert len(ids) == len(set(ids)) == 10
        stems = [bank.to_data(_db.session.get(bank.Question, i)).stem for i in ids]
        assert all(s.startswith("党章单选") for s in stems[:3])
        assert all("单选" in s for s in stems[3:8])
        assert all(s.startswith("难判断") for s in stems[8:])
        papers.add(tuple(ids))
    assert len(papers) > 1  # really random
    attempt, _ = attempts.start_attempt(learner, quiz)
    frozen = list(attempt.question_ids)
    _db.session.commit()
    again, created = attempts.start_attempt(learner, quiz)
    assert not created and again.id == attempt.id and again.question_ids == frozen


def test_shuffled_options_are_graded_as_shown(app, learner):
    _c, _l, quiz = make_quiz([single("单选", options=list("甲乙丙丁戊己"), correct=[4]),
                              multiple("多选", options=list("ABCDEFG"), correct=[1, 5])],
                             shuffle_options=True)
    attempt, _ = attempts.start_attempt(learner, quiz, rng=random.Random(3))
    perms = [item["perm"] for item in attempt.paper["items"]]
    assert all(p and p != sorted(p) for p in perms)
    items = answers_by_stem(attempt)
    assert items["单选"].data.options[items["单选"].data.correct[0]] == "戊"
    assert sorted(items["多选"].data.options[i] for i in items["多选"].data.correct) == ["B", "F"]
    attempts.save_answers(attempt, {item.question.id: right_answer(item)
                                    for item in items.values()})
    attempts.submit_attempt(attempt)
    assert attempt.score == 100.0
    # The unshuffled index of the right option, sent as if it were the shown one, is wrong.
    attempt2, _ = attempts.start_attempt(learner, quiz, rng=random.Random(3))
    shown = answers_by_stem(attempt2)["单选"]
    attempts.save_answers(attempt2, {shown.question.id: 4 if shown.data.options[4] != "戊" else 0})
    attempts.submit_attempt(attempt2)
    assert attempt2.score == 0.0


def test_autosave_is_an_idempotent_upsert_and_survives_a_reload(app, learner, clock):
    _c, _l, quiz = make_quiz()
    attempt, _ = attempts.start_attempt(learner, quiz)
    first = attempt.paper["items"][0]["q"]
    attempts.save_answers(attempt, {first: 1})
    attempts.save_answers(attempt, {str(first): 2})
    attempts.save_answers(attempt, {first: 2})
    _db.session.commit()
    _db.session.expire_all()
    rows = _db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))
    assert [(r.question_id, r.response) for r in rows] == [(first, 2)]
    reloaded = _db.session.get(Attempt, attempt.id)
    assert paper.shown(reloaded)[0].response == 2


def test_bad_answers_are_refused_in_chinese(app, learner):
    _c, _l, quiz = make_quiz([single("单选")])
    attempt, _ = attempts.start_attempt(learner, quiz)
    qid = attempt.question_ids[0]
    with pytest.raises(attempts.AttemptError, match="第 1 题：所选选项不存在"):
        attempts.save_answers(attempt, {qid: 9})
    with pytest.raises(attempts.AttemptError, match="不在本次试卷"):
        attempts.save_answers(attempt, {qid + 999: 0})
    with pytest.raises(attempts.AttemptError, match="答案格式无效"):
        attempts.save_answers(attempt, ["not", "a", "dict"])


def test_double_submit_marks_once(app, learner):
    _c, lesson, quiz = make_quiz([single("单选")])
    attempt, _ = attempts.start_attempt(learner, quiz)
    attempts.save_answers(attempt, {attempt.question_ids[0]: 1})
    first = attempts.submit_attempt(attempt)
    score, submitted_at = first.score, first.submitted_at
    # A replayed submit carrying different answers changes nothing.
    again = attempts.submit_attempt(attempt, answers={attempt.question_ids[0]: 0})
    _db.session.commit()
    assert (again.score, again.submitted_at) == (score, submitted_at) == (0.0, submitted_at)
    assert len(results.attempts_for(learner, quiz)) == 1


def test_closed_attempts_refuse_writes(app, learner):
    _c, _l, quiz = make_quiz([single("单选")])
    attempt, _ = attempts.start_attempt(learner, quiz)
    attempts.submit_attempt(attempt)
    with pytest.raises(attempts.AttemptClosed, match="已交卷") as info:
        attempts.save_answers(attempt, {attempt.question_ids[0]: 0})
    assert info.value.status == 409


def test_start_resumes_the_open_attempt_and_respects_max_attempts(app, learner):
    _c, _l, quiz = make_quiz([single("单选")], max_attempts=2)
    first, created = attempts.start_attempt(learner, quiz)
    assert created
    assert attempts.start_attempt(learner, quiz) == (first, False)
    attempts.submit_attempt(first)
    second, created = attempts.start_attempt(learner, quiz)
    assert created and second.number == 2
    attempts.submit_attempt(second)
    with pytest.raises(attempts.NoAttemptsLeft, match="最多可作答 2 次"):
        attempts.start_attempt(learner, quiz)


def test_one_open_attempt_is_a_database_guarantee(app, learner, monkeypatch):
    _c, _l, quiz = make_quiz([single("单选")])
    first, _ = attempts.start_attempt(learner, quiz)
    _db.session.commit()
    with pytest.raises(IntegrityError):
        with _db.session.begin_nested():
            _db.session.add(Attempt(quiz_id=quiz.id, user_id=learner.id, number=7,
                                    status="open", paper={"items": []}))
    # A racing request that did not see the open attempt resumes it after the insert fails.
    real = attempts.open_attempt
    calls = []
    monkeypatch.setattr(attempts, "open_attempt",
                        lambda user, q: calls.append(1) or (None if len(calls) == 1
                                                            else real(user, q)))
    resumed, created = attempts.start_attempt(learner, quiz)
    assert (resumed.id, created) == (first.id, False)


def test_empty_quiz_cannot_start(app, learner):
    _c, lesson, quiz = make_quiz([single("单选")])
    bank.archive_question(quiz.items[0].question, None)
    with pytest.raises(attempts.QuizNotReady):
        attempts.start_attempt(learner, quiz)


def test_time_limit_lazy_expiry_on_the_next_write(app, learner, clock):
    _c, _l, quiz = make_quiz([single("单选"), truefalse("判断")], time_limit_minutes=10)
    attempt, _ = attempts.start_attempt(learner, quiz)
    assert attempt.deadline_at == clock.now + timedelta(minutes=10)
    items = answers_by_stem(attempt)
    attempts.save_answers(attempt, {items["单选"].question.id: 0})
    clock.advance(600 + attempts.GRACE_SECONDS - 1)  # in-flight autosave: still accepted
    attempts.save_answers(attempt, {items["判断"].question.id: True})
    clock.advance(2)
    with pytest.raises(attempts.AttemptClosed, match="时间已到"):
        attempts.save_answers(attempt, {items["判断"].question.id: False})
    assert attempt.submit_reason == "timeout" and attempt.score == 100.0
    assert attempt.submitted_at == clock.now


def test_time_limit_late_manual_submit_counts_saved_answers_only(app, learner, clock):
    _c, _l, quiz = make_quiz([single("单选")], time_limit_minutes=1)
    attempt, _ = attempts.start_attempt(learner, quiz)
    clock.advance(3600)
    attempts.submit_attempt(attempt, answers={attempt.question_ids[0]: 0})
    assert attempt.submit_reason == "timeout" and attempt.score == 0.0


def test_time_limit_sweep_submits_expired_attempts(app, learner, make_user, clock):
    _c, _l, quiz = make_quiz([single("单选")], time_limit_minutes=5)
    expired, _ = attempts.start_attempt(learner, quiz)
    attempts.save_answers(expired, {expired.question_ids[0]: 0})
    clock.advance(120)
    fresh, _ = attempts.start_attempt(make_user(), quiz)
    _db.session.commit()
    clock.advance(180 + attempts.GRACE_SECONDS + 1)
    assert tasks.sweep_expired_attempts.call_local() == [expired.id]
    _db.session.expire_all()
    assert _db.session.get(Attempt, expired.id).score == 100.0
    assert _db.session.get(Attempt, fresh.id).is_open
    assert tasks.sweep() == []


def test_passing_completes_the_lesson_and_progress_never_drops(app, learner):
    _c, lesson, quiz = make_quiz([single("单选"), truefalse("判断")], pass_mark=100,
                                 score_policy="last")
    first, _ = attempts.start_attempt(learner, quiz)
    attempts.submit_attempt(first)
    row = _db.session.scalar(select(LessonProgress).where(LessonProgress.lesson_id == lesson.id))
    assert row.completed_at is None and row.data["score"] == 0.0
    second, _ = attempts.start_attempt(learner, quiz)
    items = answers_by_stem(second)
    attempts.save_answers(second, {items["单选"].question.id: 0,
                                   items["判断"].question.id: True})
    attempts.submit_attempt(second)
    assert row.completed_at is not None and row.progress == 1.0
    third, _ = attempts.start_attempt(learner, quiz)
    attempts.submit_attempt(third)
    summary = results.summary(learner, quiz)
    assert (summary.best, summary.counted, summary.passed) == (100.0, 0.0, False)
    assert row.progress == 1.0 and row.completed_at is not None  # never decreases


def test_quiz_not_required_completes_on_any_submission(app, learner):
    _c, lesson, quiz = make_quiz([single("单选")], required=False)
    attempt, _ = attempts.start_attempt(learner, quiz)
    attempts.submit_attempt(attempt)
    row = _db.session.scalar(select(LessonProgress).where(LessonProgress.lesson_id == lesson.id))
    assert not attempt.passed and row.completed_at is not None


def test_drafts_record_no_progress(app, learner, make_user):
    owner = make_user(role="instructor")
    _c, lesson, quiz = make_quiz([single("单选")], owner=owner, published=False)
    attempt, _ = attempts.start_attempt(owner, quiz)
    attempts.submit_attempt(attempt)
    assert _db.session.scalar(select(LessonProgress)) is None
