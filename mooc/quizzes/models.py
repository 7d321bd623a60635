"""Question banks, quizzes, attempts and the wrong-answer book (错题本).

* A `Question` belongs to one course's bank and stores the fields of
  `formats.common.QuestionData`. Its fingerprint (kind + stem + options) is unique
  per course, so importing the same file twice updates instead of duplicating.
  Questions are archived, never deleted: past attempts still point at them.
* A `Quiz` configures one quiz lesson (`lesson_id` is unique): a fixed ordered list
  of questions (`QuizItem`) or random draw rules, plus the marking settings.
* An `Attempt` freezes its paper (question ids and option permutations) when it
  starts, so the learner sees the same paper after a reload and grading knows what
  was shown. One open attempt per learner × quiz is guaranteed by the database
  (a partial unique index), not only by the service.
* `AttemptAnswer` is the autosaved response, one row per attempt × question;
  responses are stored as the learner saw the options (see paper.display_question).
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mooc.core.models import utcnow
from mooc.extensions import db

FIXED, RANDOM = "fixed", "random"
MODES = {FIXED: _l("固定试卷（按指定题目和顺序）"), RANDOM: _l("随机组卷（按抽题规则）")}
HIGHEST, LAST = "highest", "last"
SCORE_POLICIES = {HIGHEST: _l("取最高分"), LAST: _l("取最后一次")}
AFTER_SUBMIT, AFTER_LAST_ATTEMPT, NEVER = "after_submit", "after_last_attempt", "never"
FEEDBACK_POLICIES = {AFTER_SUBMIT: _l("交卷后立即显示"),
                     AFTER_LAST_ATTEMPT: _l("用完全部作答次数后显示"),
                     NEVER: _l("不显示（只显示得分）")}
DIFFICULTY_LABELS = {"easy": _l("易"), "medium": _l("中"), "hard": _l("难")}
OPEN_ATTEMPT, SUBMITTED = "open", "submitted"
MANUAL, TIMEOUT = "manual", "timeout"


class Question(db.Model):
    __tablename__ = "quiz_question"
    __table_args__ = (
        UniqueConstraint("course_id", "fingerprint", name="uq_quiz_question_course_fingerprint"),
        Index("ix_quiz_question_course_kind", "course_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list] = mapped_column(JSON, default=list)
    correct: Mapped[list] = mapped_column(JSON, default=list)
    answer_true: Mapped[bool | None]
    accepted_answers: Mapped[list] = mapped_column(JSON, default=list)
    option_weights: Mapped[list | None] = mapped_column(JSON)
    option_feedback: Mapped[list | None] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text, default="")
    difficulty: Mapped[str | None] = mapped_column(String(10))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    # "|党章|纪律|": the tags again as text, so "has tag X" is a portable LIKE filter.
    tags_text: Mapped[str] = mapped_column(Text, default="")
    name: Mapped[str | None] = mapped_column(String(255))
    text_format: Mapped[str] = mapped_column(String(10), default="plain")
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    course = relationship("Course")

    @property
    def is_archived(self):
        return self.archived_at is not None

    @property
    def difficulty_label(self):
        return DIFFICULTY_LABELS.get(self.difficulty, "")

    def __repr__(self):
        return f"<Question {self.id} {self.kind}>"


class Quiz(db.Model):
    __tablename__ = "quiz"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"),
                                           unique=True)
    mode: Mapped[str] = mapped_column(String(10), default=FIXED)
    # [{"kind": "single", "count": 5, "tags": ["党章"], "difficulty": null}, …]
    draw_rules: Mapped[list] = mapped_column(JSON, default=list)
    pass_mark: Mapped[int] = mapped_column(default=60)  # percent
    time_limit_seconds: Mapped[int | None]
    max_attempts: Mapped[int | None]  # None: unlimited
    score_policy: Mapped[str] = mapped_column(String(10), default=HIGHEST)
    feedback_policy: Mapped[str] = mapped_column(String(20), default=AFTER_SUBMIT)
    shuffle_options: Mapped[bool] = mapped_column(default=False)
    partial_credit: Mapped[bool] = mapped_column(default=False)
    one_per_page: Mapped[bool] = mapped_column(default=False)
    # Passing completes the lesson; when False, handing in any attempt does.
    required: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    lesson = relationship("Lesson")
    items = relationship("QuizItem", cascade="all, delete-orphan",
                         order_by="QuizItem.position, QuizItem.id")

    @property
    def time_limit_minutes(self):
        return (self.time_limit_seconds or 0) // 60 or None

    @property
    def mode_label(self):
        return MODES.get(self.mode, self.mode)

    @property
    def score_policy_label(self):
        return SCORE_POLICIES.get(self.score_policy, self.score_policy)

    @property
    def feedback_policy_label(self):
        return FEEDBACK_POLICIES.get(self.feedback_policy, self.feedback_policy)


class QuizItem(db.Model):
    """One question of a fixed paper, in order."""
    __tablename__ = "quiz_item"
    __table_args__ = (UniqueConstraint("quiz_id", "question_id",
                                       name="uq_quiz_item_quiz_question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_question.id", ondelete="CASCADE"),
                                             index=True)
    position: Mapped[int] = mapped_column(default=0)

    question = relationship(Question, lazy="joined")


class Attempt(db.Model):
    __tablename__ = "quiz_attempt"
    __table_args__ = (
        UniqueConstraint("quiz_id", "user_id", "number", name="uq_quiz_attempt_number"),
        # At most one open attempt per learner and quiz, even under a double click.
        Index("uq_quiz_attempt_one_open", "quiz_id", "user_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        Index("ix_quiz_attempt_open_deadline", "status", "deadline_at"),
        Index("ix_quiz_attempt_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(default=1)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(10), default=OPEN_ATTEMPT)
    submit_reason: Mapped[str | None] = mapped_column(String(10))  # manual | timeout
    score: Mapped[float | None]  # 0–100
    passed: Mapped[bool | None]
    # {"items": [{"q": question_id, "perm": [original option index shown at 0, …] | null}]}
    paper: Mapped[dict] = mapped_column(JSON, default=dict)
    last_saved_at: Mapped[datetime | None]

    quiz = relationship(Quiz)
    user = relationship("User")
    answers = relationship("AttemptAnswer", cascade="all, delete-orphan",
                           back_populates="attempt")

    @property
    def is_open(self):
        return self.status == OPEN_ATTEMPT

    @property
    def question_ids(self):
        return [item["q"] for item in (self.paper or {}).get("items", [])]


class AttemptAnswer(db.Model):
    __tablename__ = "quiz_attempt_answer"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id",
                                       name="uq_quiz_attempt_answer_attempt_question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_question.id", ondelete="CASCADE"),
                                             index=True)
    response: Mapped[object | None] = mapped_column(JSON)  # None: not answered (cleared)
    score: Mapped[float | None]  # 0–1, set when the attempt is graded
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    attempt = relationship(Attempt, back_populates="answers")


class WrongAnswer(db.Model):
    """错题本: a question this learner got wrong, until they practise it right."""
    __tablename__ = "quiz_wrong_answer"
    __table_args__ = (
        UniqueConstraint("user_id", "question_id", name="uq_quiz_wrong_answer_user_question"),
        Index("ix_quiz_wrong_answer_user_course", "user_id", "course_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_question.id", ondelete="CASCADE"),
                                             index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    # The quiz it was last missed in: its feedback policy decides when the book shows it.
    quiz_id: Mapped[int | None] = mapped_column(ForeignKey("quiz.id", ondelete="SET NULL"))
    times_wrong: Mapped[int] = mapped_column(default=0)
    last_wrong_at: Mapped[datetime] = mapped_column(default=utcnow)
    mastered: Mapped[bool] = mapped_column(default=False)
    mastered_at: Mapped[datetime | None]

    question = relationship(Question, lazy="joined")
    quiz = relationship(Quiz)
    course = relationship("Course")
