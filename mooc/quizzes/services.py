"""Quiz settings: the quiz behind a quiz lesson, its paper and its marking rules.

Plain functions; the caller commits. `configure_quiz` and `quiz_package_data` are
what the course-package importer and exporter call; both are idempotent, so
importing the same package twice leaves the same quiz.
"""
from sqlalchemy import select

from mooc.catalog.models import Lesson
from mooc.core.models import utcnow
from mooc.extensions import db
from mooc.quizzes import bank, kinds
from mooc.quizzes.formats.common import DIFFICULTIES
from mooc.quizzes.models import (AFTER_SUBMIT, FEEDBACK_POLICIES, FIXED, HIGHEST, MODES, RANDOM,
                                 SCORE_POLICIES, Question, Quiz, QuizItem)

QUIZ_KIND = "quiz"
MAX_RULES = 20
MAX_TIME_LIMIT_MINUTES = 24 * 60
MAX_ATTEMPTS_LIMIT = 100
MAX_PAPER = 500
SETTING_FIELDS = ("mode", "draw_rules", "question_ids", "pass_mark", "time_limit_minutes",
                  "max_attempts", "score_policy", "feedback_policy", "shuffle_options",
                  "partial_credit", "one_per_page", "required")


class QuizError(ValueError):
    """A quiz rule was broken; the message is for the user, in Chinese."""


def quiz_for(lesson):
    """The lesson's quiz row, or None while nobody has configured it."""
    if lesson is None:
        return None
    return db.session.scalar(select(Quiz).where(Quiz.lesson_id == lesson.id))


def ensure_quiz(lesson):
    if lesson.kind != QUIZ_KIND:
        raise QuizError("只有测验课时才能设置测验。")
    quiz = quiz_for(lesson)
    if quiz is None:
        quiz = Quiz(lesson_id=lesson.id, mode=FIXED, draw_rules=[], pass_mark=60,
                    score_policy=HIGHEST, feedback_policy=AFTER_SUBMIT, required=True)
        quiz.lesson = lesson
        db.session.add(quiz)
        db.session.flush()
    return quiz


def course_of(quiz):
    return quiz.lesson.course


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

def _int_or_none(value, what, low, high):
    """None/''/0 mean "no limit"; anything else must be a whole number in range."""
    if value in (None, "", 0, "0"):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise QuizError(f"{what}必须是整数。")
    if isinstance(value, float) and not value.is_integer():
        raise QuizError(f"{what}必须是整数。")
    if not low <= number <= high:
        raise QuizError(f"{what}应在 {low} 到 {high} 之间（0 或留空表示不限）。")
    return number


def clean_rules(rules):
    """Draw rules as stored: kind, count ≥ 1, tags (any of), difficulty (or None)."""
    if not isinstance(rules, list):
        raise QuizError("抽题规则格式无效。")
    clean = []
    for index, rule in enumerate(rules, start=1):
        if not isinstance(rule, dict):
            raise QuizError("抽题规则格式无效。")
        kind = rule.get("kind")
        if kind not in kinds.draw_kinds():
            raise QuizError(f"第 {index} 条抽题规则的题型无效。")
        try:
            count = int(rule.get("count"))
        except (TypeError, ValueError):
            raise QuizError(f"第 {index} 条抽题规则的题数必须是整数。")
        if not 1 <= count <= MAX_PAPER:
            raise QuizError(f"第 {index} 条抽题规则的题数应在 1 到 {MAX_PAPER} 之间。")
        tags = rule.get("tags") or []
        if isinstance(tags, str):
            tags = [t for t in tags.replace("，", ",").replace("、", ",").split(",")]
        tags = list(dict.fromkeys(t.strip() for t in tags if isinstance(t, str) and t.strip()))
        difficulty = rule.get("difficulty") or None
        if difficulty is not None and difficulty not in DIFFICULTIES:
            raise QuizError(f"第 {index} 条抽题规则的难度无效。")
        clean.append({"kind": kind, "count": count, "tags": tags, "difficulty": difficulty})
    if len(clean) > MAX_RULES:
        raise QuizError(f"抽题规则最多 {MAX_RULES} 条。")
    return clean


def rule_shortfalls(course, rules):
    """[(rule number, wanted, available)] for rules the bank cannot fill.

    Rules draw without overlap in their order, so a question counted for an
    earlier rule is not available to a later one.
    """
    questions = bank.active_questions(course)
    taken, short = set(), []
    for index, rule in enumerate(rules, start=1):
        available = [q for q in bank.pool(course, rule, questions) if q.id not in taken]
        taken.update(q.id for q in available[:rule["count"]])
        if len(available) < rule["count"]:
            short.append((index, rule["count"], len(available)))
    return short


def _fixed_questions(course, question_ids):
    ids = []
    for raw in question_ids or []:
        try:
            qid = int(raw)
        except (TypeError, ValueError):
            raise QuizError("所选题目无效。")
        if qid not in ids:
            ids.append(qid)
    if len(ids) > MAX_PAPER:
        raise QuizError(f"一份试卷最多 {MAX_PAPER} 道题。")
    rows = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(ids)))} \
        if ids else {}
    if any(qid not in rows or rows[qid].course_id != course.id for qid in ids):
        raise QuizError("所选题目不属于本课程题库。")
    if any(rows[qid].archived_at is not None for qid in ids):
        raise QuizError("不能选用已归档的题目。")
    return [rows[qid] for qid in ids]


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------

def update_settings(quiz, actor, **fields):
    """Change any of SETTING_FIELDS; the whole change is checked before anything is set."""
    unknown = set(fields) - set(SETTING_FIELDS)
    if unknown:
        raise TypeError(f"unknown quiz fields: {sorted(unknown)}")
    course = course_of(quiz)
    clean = {}
    mode = fields.get("mode", quiz.mode)
    if mode not in MODES:
        raise QuizError("组卷方式无效。")
    clean["mode"] = mode
    if "draw_rules" in fields:
        clean["draw_rules"] = clean_rules(fields["draw_rules"])
    if "question_ids" in fields:
        clean["questions"] = _fixed_questions(course, fields["question_ids"])
    if "pass_mark" in fields:
        try:
            pass_mark = int(fields["pass_mark"])
        except (TypeError, ValueError):
            raise QuizError("及格分必须是 0 到 100 的整数。")
        if not 0 <= pass_mark <= 100:
            raise QuizError("及格分必须是 0 到 100 的整数。")
        clean["pass_mark"] = pass_mark
    if "time_limit_minutes" in fields:
        minutes = _int_or_none(fields["time_limit_minutes"], "答题时限（分钟）", 1,
                               MAX_TIME_LIMIT_MINUTES)
        clean["time_limit_seconds"] = minutes * 60 if minutes else None
    if "max_attempts" in fields:
        clean["max_attempts"] = _int_or_none(fields["max_attempts"], "作答次数", 1,
                                             MAX_ATTEMPTS_LIMIT)
    if "score_policy" in fields:
        if fields["score_policy"] not in SCORE_POLICIES:
            raise QuizError("计分方式无效。")
        clean["score_policy"] = fields["score_policy"]
    if "feedback_policy" in fields:
        if fields["feedback_policy"] not in FEEDBACK_POLICIES:
            raise QuizError("答案反馈方式无效。")
        clean["feedback_policy"] = fields["feedback_policy"]
    for flag in ("shuffle_options", "partial_credit", "one_per_page", "required"):
        if flag in fields:
            clean[flag] = bool(fields[flag])
    rules = clean.get("draw_rules", quiz.draw_rules or [])
    if mode == RANDOM:
        if not rules:
            raise QuizError("随机组卷至少需要一条抽题规则。")
        short = rule_shortfalls(course, rules)
        if short:
            raise QuizError("；".join(f"第 {n} 条抽题规则要求 {want} 道题，题库中只有 {have} 道符合"
                                     for n, want, have in short) + "。")
    elif "questions" in clean and not clean["questions"]:
        raise QuizError("固定试卷至少需要选择一道题目。")
    questions = clean.pop("questions", None)
    for key, value in clean.items():
        setattr(quiz, key, value)
    if questions is not None:
        set_fixed_questions(quiz, questions)
    quiz.updated_at = utcnow()
    quiz.updated_by_id = getattr(actor, "id", None)
    return quiz


def set_fixed_questions(quiz, questions):
    """Replace the fixed list, keeping rows that stay (their ids do not matter to anyone)."""
    by_question = {item.question_id: item for item in quiz.items}
    wanted = [q.id for q in questions]
    for item in list(quiz.items):
        if item.question_id not in wanted:
            quiz.items.remove(item)
    for position, question in enumerate(questions):
        item = by_question.get(question.id)
        if item is None:
            item = QuizItem(question_id=question.id, question=question)
            quiz.items.append(item)
        item.position = position


def add_questions_to_quiz(lesson, questions, actor=None):
    """Import from a quiz lesson: append `questions` to its fixed paper (creating the quiz
    if needed). A random-draw quiz keeps its rules (the questions are in the bank it draws
    from). Returns how many were added."""
    quiz = ensure_quiz(lesson)
    if quiz.mode != FIXED:
        return 0
    have = [item.question for item in quiz.items]
    added = [q for q in questions if q.id not in {h.id for h in have} and q.archived_at is None]
    if added:
        set_fixed_questions(quiz, have + added)
        quiz.updated_at = utcnow()
        quiz.updated_by_id = getattr(actor, "id", None)
    return len(added)


def configure_quiz(lesson, questions, settings, actor=None):
    """Package import: upsert `questions` into the course bank and configure the quiz.

    `settings` keys (all optional): pass_mark, time_limit_minutes (0 = none),
    max_attempts (0 = unlimited), shuffle_options, partial_credit, show_feedback
    (after_submit | after_last_attempt | never), score_policy (highest | last),
    draw ([{kind, count, tags, difficulty?}]; empty = a fixed paper of every
    question in file order), one_per_page, required. Raises QuizError or
    bank.BankError (Chinese); the caller commits or rolls back.
    """
    summary = bank.upsert_questions(lesson.course, list(questions), actor)
    quiz = ensure_quiz(lesson)
    settings = dict(settings or {})
    draw = settings.get("draw") or []
    # A key the package leaves out keeps the site's value (defaults for a new quiz).
    current = package_settings(quiz)
    fields = {
        "mode": RANDOM if draw else FIXED,
        "draw_rules": draw,
        "pass_mark": settings.get("pass_mark", current["pass_mark"]),
        "time_limit_minutes": settings.get("time_limit_minutes", current["time_limit_minutes"]),
        "max_attempts": settings.get("max_attempts", current["max_attempts"]),
        "shuffle_options": settings.get("shuffle_options", current["shuffle_options"]),
        "partial_credit": settings.get("partial_credit", current["partial_credit"]),
        "feedback_policy": settings.get("show_feedback", current["show_feedback"]),
        "score_policy": settings.get("score_policy", current["score_policy"]),
        "one_per_page": settings.get("one_per_page", current["one_per_page"]),
        "required": settings.get("required", quiz.required),
    }
    if not draw:
        # The file is the paper: its questions, once each, in file order.
        fields["question_ids"] = list(dict.fromkeys(q.id for q in summary.questions))
    return update_settings(quiz, actor, **fields)


def paper_questions(quiz):
    """The questions a fixed paper uses (archived ones are skipped when drawing)."""
    return [item.question for item in quiz.items]


def quiz_package_data(lesson):
    """Package export: (questions as QuestionData, settings dict) for the lesson's quiz.

    A fixed paper exports its questions in order; a random one exports every
    active question that any rule can draw, in bank order, plus the rules.
    """
    quiz = quiz_for(lesson)
    if quiz is None:
        return [], package_settings(None)
    if quiz.mode == RANDOM:
        course = lesson.course
        questions = [q for q in bank.active_questions(course)
                     if any(bank.matches_rule(q, rule) for rule in quiz.draw_rules or [])]
    else:
        questions = [q for q in paper_questions(quiz) if q.archived_at is None]
    return [bank.to_data(q) for q in questions], package_settings(quiz)


def package_settings(quiz):
    if quiz is None:
        return {"pass_mark": 60, "time_limit_minutes": 0, "max_attempts": 0,
                "shuffle_options": False, "partial_credit": False,
                "show_feedback": AFTER_SUBMIT, "draw": [], "score_policy": HIGHEST,
                "one_per_page": False}
    draw = []
    if quiz.mode == RANDOM:
        for rule in quiz.draw_rules or []:
            # Packages know kind, count and tags only: a difficulty filter stays on the site.
            draw.append({"kind": rule["kind"], "count": rule["count"],
                         "tags": list(rule.get("tags") or [])})
    return {"pass_mark": quiz.pass_mark, "time_limit_minutes": quiz.time_limit_minutes or 0,
            "max_attempts": quiz.max_attempts or 0, "shuffle_options": quiz.shuffle_options,
            "partial_credit": quiz.partial_credit, "show_feedback": quiz.feedback_policy,
            "draw": draw, "score_policy": quiz.score_policy, "one_per_page": quiz.one_per_page}


def quiz_lessons(course):
    return [l for l in course.ordered_lessons() if l.kind == QUIZ_KIND]


def lesson_by_id(lesson_id):
    lesson = db.session.get(Lesson, lesson_id)
    return lesson if lesson is not None and lesson.kind == QUIZ_KIND else None
