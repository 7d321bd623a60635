"""The instructor's numbers for one course: enrolments, lesson funnel, quiz scores."""
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import case, func, select

from mooc.catalog.models import Course, Enrollment, Lesson, course_owner
from mooc.core.permissions import is_admin
from mooc.extensions import db
from mooc.progress.models import CourseCompletion, LessonProgress
from mooc.progress.services import counted_lessons
from mooc.quizzes.models import SUBMITTED, Attempt, AttemptAnswer, Question, Quiz


@dataclass
class CourseReport:
    course: Course
    enrolled: int
    started: int
    completed: int
    funnel: list           # [(Lesson, started, completed)] in reading order
    quizzes: list          # [(Lesson, [(label, count)], attempts)] best score per learner
    missed: list           # [(Question, answered, missed, rate)]


SCORE_BINS = 10


def course_report(course):
    """Enrolments, the lesson funnel, quiz scores and the most-missed questions: 7 queries."""
    enrolled = db.session.scalar(select(func.count(Enrollment.id))
                                 .where(Enrollment.course_id == course.id)) or 0
    started = db.session.scalar(select(func.count(func.distinct(LessonProgress.user_id)))
                                .where(LessonProgress.course_id == course.id)) or 0
    completed = db.session.scalar(select(func.count(CourseCompletion.id))
                                  .where(CourseCompletion.course_id == course.id)) or 0
    per_lesson = {row[0]: (row[1], row[2] or 0) for row in db.session.execute(
        select(LessonProgress.lesson_id, func.count(),
               func.sum(case((LessonProgress.completed_at.is_not(None), 1), else_=0)))
        .where(LessonProgress.course_id == course.id).group_by(LessonProgress.lesson_id))}
    lessons = counted_lessons(course.ordered_lessons())
    funnel = [(lesson, *per_lesson.get(lesson.id, (0, 0))) for lesson in lessons]

    best = (select(Attempt.quiz_id, Attempt.user_id, func.max(Attempt.score).label("score"))
            .join(Quiz, Quiz.id == Attempt.quiz_id).join(Lesson, Lesson.id == Quiz.lesson_id)
            .where(Lesson.course_id == course.id, Attempt.status == SUBMITTED,
                   Attempt.score.is_not(None))
            .group_by(Attempt.quiz_id, Attempt.user_id).subquery())
    width = 100 // SCORE_BINS
    bucket = case(*[(best.c.score < (i + 1) * width, i) for i in range(SCORE_BINS - 1)],
                  else_=SCORE_BINS - 1)
    binned = select(best.c.quiz_id, bucket.label("bin")).subquery()
    by_quiz = {}
    for quiz_id, index, count in db.session.execute(
            select(binned.c.quiz_id, binned.c.bin, func.count())
            .group_by(binned.c.quiz_id, binned.c.bin)):
        by_quiz.setdefault(quiz_id, Counter())[max(0, min(SCORE_BINS - 1, int(index)))] += count
    quizzes = []
    for quiz in db.session.scalars(select(Quiz).join(Lesson, Lesson.id == Quiz.lesson_id)
                                   .where(Lesson.course_id == course.id)):
        counts = by_quiz.get(quiz.id, Counter())
        bins = [(f"{i * width}–{(i + 1) * width - 1 if i < SCORE_BINS - 1 else 100}", counts[i])
                for i in range(SCORE_BINS)]
        quizzes.append((quiz.lesson, bins, sum(counts.values())))
    quizzes.sort(key=lambda q: (q[0].position, q[0].id))

    wrong = case((AttemptAnswer.score < 1, 1), else_=0)
    missed_rows = db.session.execute(
        select(AttemptAnswer.question_id, func.count(), func.sum(wrong))
        .join(Attempt, Attempt.id == AttemptAnswer.attempt_id)
        .join(Quiz, Quiz.id == Attempt.quiz_id).join(Lesson, Lesson.id == Quiz.lesson_id)
        .where(Lesson.course_id == course.id, Attempt.status == SUBMITTED,
               AttemptAnswer.score.is_not(None))
        .group_by(AttemptAnswer.question_id)
        .having(func.sum(wrong) > 0)
        .order_by(func.sum(wrong).desc(), AttemptAnswer.question_id).limit(10)).all()
    questions = {q.id: q for q in db.session.scalars(select(Question).where(
        Question.id.in_([r[0] for r in missed_rows])))} if missed_rows else {}
    missed = [(questions[qid], answered, misses, misses / answered)
              for qid, answered, misses in missed_rows if qid in questions]
    return CourseReport(course=course, enrolled=enrolled, started=started, completed=completed,
                        funnel=funnel, quizzes=quizzes, missed=missed)


def owned_courses(viewer):
    """Courses an instructor owns (admins: all), with enrolment and completion counts."""
    query = select(Course).order_by(Course.title)
    if not is_admin(viewer):
        query = query.join(course_owner, course_owner.c.course_id == Course.id) \
            .where(course_owner.c.user_id == viewer.id)
    courses = list(db.session.scalars(query))
    ids = [c.id for c in courses]
    if not ids:
        return []
    enrolled = dict(db.session.execute(select(Enrollment.course_id, func.count())
                                       .where(Enrollment.course_id.in_(ids))
                                       .group_by(Enrollment.course_id)).all())
    done = dict(db.session.execute(select(CourseCompletion.course_id, func.count())
                                   .where(CourseCompletion.course_id.in_(ids))
                                   .group_by(CourseCompletion.course_id)).all())
    return [(c, enrolled.get(c.id, 0), done.get(c.id, 0)) for c in courses]

