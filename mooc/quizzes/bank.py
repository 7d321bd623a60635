"""A course's question bank: rows ⇄ QuestionData, editing, archiving, upserting, filtering.

Plain functions; the caller commits. Every question is validated with the type
registry (`kinds.validate`) before it is written. `upsert_questions` is the one
writer used by the importer, the CLI and the course-package importer: it matches
by fingerprint, so the same file imported twice creates nothing new.
"""
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from mooc.core.models import utcnow
from mooc.core.services import audit
from mooc.extensions import db
from mooc.quizzes import kinds
from mooc.quizzes.formats.common import QuestionData
from mooc.quizzes.models import Question

DATA_FIELDS = ("kind", "stem", "options", "correct", "answer_true", "accepted_answers",
               "option_weights", "option_feedback", "explanation", "difficulty", "tags",
               "name", "text_format")
MAX_SEARCH = 60


class BankError(ValueError):
    """A bank rule was broken; the message is for the user, in Chinese."""


@dataclass
class UpsertSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    restored: int = 0
    questions: list = field(default_factory=list)  # the rows, in input order

    def __str__(self):
        text = f"新增 {self.created} 道，更新 {self.updated} 道，无变化 {self.unchanged} 道"
        return text + (f"，恢复已归档 {self.restored} 道" if self.restored else "")


def to_data(question) -> QuestionData:
    """The row as the grader and the file writers see it (copies: safe to change)."""
    return QuestionData(
        kind=question.kind, stem=question.stem, options=list(question.options or []),
        correct=list(question.correct or []), answer_true=question.answer_true,
        accepted_answers=list(question.accepted_answers or []),
        option_weights=list(question.option_weights) if question.option_weights is not None
        else None,
        option_feedback=list(question.option_feedback) if question.option_feedback is not None
        else None,
        explanation=question.explanation or "", difficulty=question.difficulty,
        tags=list(question.tags or []), name=question.name,
        text_format=question.text_format or "plain")


def clean_data(data: QuestionData) -> QuestionData:
    """Trim what people type by accident; keep meaning (option order, answers) as is."""
    tags = []
    for tag in data.tags or []:
        tag = tag.strip() if isinstance(tag, str) else tag
        if tag not in tags:
            tags.append(tag)
    data.tags = tags
    data.stem = (data.stem or "").strip()
    data.explanation = (data.explanation or "").strip()
    return data


def check(data: QuestionData):
    problems = kinds.validate(data)
    if len(data.stem or "") > 10_000:
        problems.append("题干过长（最多 10000 个字符）")
    if any(len(tag) > 40 for tag in data.tags if isinstance(tag, str)):
        problems.append("标签不能超过 40 个字符")
    if problems:
        raise BankError("；".join(problems))


def _apply(question, data: QuestionData, actor):
    for name in DATA_FIELDS:
        value = getattr(data, name)
        setattr(question, name, list(value) if isinstance(value, list) else value)
    question.tags_text = "|" + "|".join(data.tags) + "|" if data.tags else ""
    question.fingerprint = data.fingerprint()
    question.updated_at = utcnow()
    question.updated_by_id = getattr(actor, "id", None)


def by_fingerprint(course, fingerprint):
    return db.session.scalar(select(Question).where(Question.course_id == course.id,
                                                    Question.fingerprint == fingerprint))


def get_question(course, question_id):
    question = db.session.get(Question, question_id)
    return question if question is not None and question.course_id == course.id else None


def create_question(course, data: QuestionData, actor):
    data = clean_data(data)
    check(data)
    if by_fingerprint(course, data.fingerprint()) is not None:
        raise BankError("题库中已有相同的题目（题型、题干和选项都相同）。")
    question = Question(course_id=course.id, created_by_id=getattr(actor, "id", None),
                        created_at=utcnow())
    _apply(question, data, actor)
    db.session.add(question)
    db.session.flush()
    return question


def update_question(question, data: QuestionData, actor):
    data = clean_data(data)
    check(data)
    same = by_fingerprint(question.course, data.fingerprint())
    if same is not None and same.id != question.id:
        raise BankError("题库中已有相同的题目（题型、题干和选项都相同）。")
    _apply(question, data, actor)
    return question


def archive_question(question, actor):
    """Hidden from new papers and the default list; attempts keep showing it."""
    if question.archived_at is None:
        question.archived_at = utcnow()
        question.updated_by_id = getattr(actor, "id", None)
        audit("quiz.question.archive", question, f"归档题目 {question.stem[:40]}", actor=actor,
              course_id=question.course_id)


def restore_question(question, actor):
    if question.archived_at is not None:
        question.archived_at = None
        question.updated_by_id = getattr(actor, "id", None)


def upsert_questions(course, questions, actor):
    """Insert or update every question by fingerprint, all or nothing.

    Raises BankError (nothing written) if any question is invalid. A matching
    archived question is brought back: the file says it belongs in the bank.
    """
    cleaned = [clean_data(q) for q in questions]
    problems = []
    for index, data in enumerate(cleaned, start=1):
        try:
            check(data)
        except BankError as exc:
            where = data.source_line or data.source_row or index
            problems.append(f"第 {where} 题：{exc}")
    if problems:
        raise BankError("；".join(problems[:20]))
    summary = UpsertSummary()
    existing = {q.fingerprint: q for q in db.session.scalars(
        select(Question).where(Question.course_id == course.id))}
    for data in cleaned:
        fingerprint = data.fingerprint()
        question = existing.get(fingerprint)
        if question is None:
            question = Question(course_id=course.id, created_by_id=getattr(actor, "id", None),
                                created_at=utcnow())
            _apply(question, data, actor)
            db.session.add(question)
            existing[fingerprint] = question
            summary.created += 1
        else:
            if question.archived_at is not None:
                question.archived_at = None
                summary.restored += 1
            if to_data(question) == data:
                summary.unchanged += 1
            else:
                _apply(question, data, actor)
                summary.updated += 1
        summary.questions.append(question)
    db.session.flush()
    return summary


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

def bank_query(course, *, q=None, tag=None, kind=None, difficulty=None, archived=False):
    """Questions of the course's bank, newest last; filters that are empty are ignored."""
    query = select(Question).where(Question.course_id == course.id)
    query = query.where(Question.archived_at.is_not(None) if archived
                        else Question.archived_at.is_(None))
    if q:
        text = q.strip()[:MAX_SEARCH].lower()
        query = query.where(or_(func.lower(Question.stem).contains(text, autoescape=True),
                                func.lower(Question.explanation).contains(text, autoescape=True)))
    if tag:
        query = query.where(Question.tags_text.contains(f"|{tag}|", autoescape=True))
    if kind:
        query = query.where(Question.kind == kind)
    if difficulty:
        query = query.where(Question.difficulty == difficulty)
    return query.order_by(Question.id)


def active_questions(course):
    return list(db.session.scalars(bank_query(course)))


def all_questions(course):
    """Every question, archived ones too, in bank order (for export)."""
    return list(db.session.scalars(select(Question).where(Question.course_id == course.id)
                                   .order_by(Question.id)))


def course_tags(course):
    tags = set()
    for row in db.session.scalars(select(Question.tags).where(
            Question.course_id == course.id, Question.archived_at.is_(None))):
        tags.update(row or [])
    return sorted(tags)


def kind_choices():
    return [(name, cls.label_zh) for name, cls in kinds.KINDS.items()]


def kind_label(name):
    cls = kinds.KINDS.get(name)
    return cls.label_zh if cls else name


def matches_rule(question, rule):
    """A draw rule picks questions of its kind, with any of its tags and its difficulty."""
    kind = kinds.KINDS.get(question.kind)
    return kind is not None and kind.draws_for(question, rule)


def pool(course, rule, questions=None):
    questions = active_questions(course) if questions is None else questions
    return [q for q in questions if matches_rule(q, rule)]
