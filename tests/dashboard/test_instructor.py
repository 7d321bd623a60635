"""The instructor's course view: enrolments, the lesson funnel, quiz scores, missed questions."""
from collections import Counter

import pytest

from mooc.catalog.models import Enrollment
from mooc.core.models import utcnow
from mooc.dashboard.course_report import course_report
from mooc.extensions import db
from mooc.progress.models import CourseCompletion, LessonProgress
from mooc.quizzes.models import Attempt, AttemptAnswer
from tests.catalog_factories import make_course
from tests.conftest import login
from tests.dashboard.html import table_rows
from tests.quizzes.factories import make_quiz


@pytest.fixture
def course_with_learners(make_user):
    owner = make_user(role="instructor")
    course = make_course("讲师课程", owner=owner, lessons=3)
    course, quiz_lesson, quiz = make_quiz(owner=owner, course=course)
    lessons = [l for l in course.ordered_lessons() if l.published]
    learners = [make_user() for _ in range(6)]
    now = utcnow()
    for i, learner in enumerate(learners):
        db.session.add(Enrollment(user_id=learner.id, course_id=course.id))
        for lesson in lessons[: i]:  # learner i completed the first i lessons
            db.session.add(LessonProgress(user_id=learner.id, lesson_id=lesson.id,
                                          course_id=course.id, progress=1.0, completed_at=now))
    db.session.add(CourseCompletion(user_id=learners[5].id, course_id=course.id,
                                    completed_at=now, year=now.year, hours=1.0))
    questions = [item.question_id for item in quiz.items]
    scores = [95.0, 40.0, 72.5, 100.0]
    for i, score in enumerate(scores):
        attempt = Attempt(quiz_id=quiz.id, user_id=learners[i].id, number=1, status="submitted",
                          score=score, paper={"items": [{"q": q, "perm": None}
                                                        for q in questions]})
        db.session.add(attempt)
        db.session.flush()
        for j, question_id in enumerate(questions):
            right = (i + j) % 3 != 0
            db.session.add(AttemptAnswer(attempt_id=attempt.id, question_id=question_id,
                                         response=None, score=1.0 if right else 0.0))
    # A second, lower attempt by learner 0: only the best score counts in the histogram.
    db.session.add(Attempt(quiz_id=quiz.id, user_id=learners[0].id, number=2,
                           status="submitted", score=10.0, paper={"items": []}))
    db.session.commit()
    return {"owner": owner, "course": course, "lessons": lessons, "learners": learners,
            "quiz": quiz, "questions": questions, "scores": scores}


def test_report_numbers(course_with_learners):
    data = course_with_learners
    report = course_report(data["course"])
    assert (report.enrolled, report.started, report.completed) == (6, 5, 1)
    expected_funnel = [sum(1 for i in range(6) if index < i)
                       for index in range(len(data["lessons"]))]
    assert [done for _lesson, _started, done in report.funnel] == expected_funnel
    (lesson, bins, attempts), = report.quizzes
    assert attempts == 4
    histogram = Counter(min(int(s // 10), 9) for s in data["scores"])
    assert [count for _label, count in bins] == [histogram[i] for i in range(10)]
    misses = Counter()
    answered = Counter()
    for i in range(4):
        for j, question_id in enumerate(data["questions"]):
            answered[question_id] += 1
            misses[question_id] += (i + j) % 3 == 0
    assert [(q.id, n, m) for q, n, m, _rate in report.missed] == sorted(
        [(q, answered[q], misses[q]) for q in misses if misses[q]],
        key=lambda t: (-t[2], t[0]))


def test_only_owners_and_admins_see_it(course_with_learners, client, make_user):
    course = course_with_learners["course"]
    login(client, course_with_learners["owner"].username)
    page = client.get(f"/dashboard/courses/{course.id}").get_data(as_text=True)
    assert "讲师课程" in page and "<svg" in page and "<script" not in page.split("</main>")[0]
    rows = table_rows(page, "data-lesson")
    assert len(rows) == len(course_with_learners["lessons"])
    assert "讲师课程" in client.get("/dashboard/courses/").get_data(as_text=True)
    for role in ("instructor", "learner", "branch_lead"):
        other = client.application.test_client()
        login(other, make_user(role=role).username)
        assert other.get(f"/dashboard/courses/{course.id}").status_code in (403, 404)
    admin = client.application.test_client()
    login(admin, make_user(role="admin").username)
    assert admin.get(f"/dashboard/courses/{course.id}").status_code == 200
    assert admin.get("/dashboard/courses/99999").status_code == 404
