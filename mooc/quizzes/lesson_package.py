"""What a quiz lesson is in a course package: a question bank file plus settings.

    kind = "quiz"
    questions = "quizzes/test.gift"     # .gift, .xlsx or .csv
    pass_mark = 80
    draw = [{ kind = "single", count = 5, tags = ["党章"] }]

Read with the package reader's Checker (located Chinese errors, every problem at
once), written back canonically, compared on re-import. Used by the quiz lesson kind.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from mooc.catalog.packages.format import (QUIZ_DEFAULTS, SHOW_FEEDBACK, QuizSpec,
                                          quiz_settings)
from mooc.quizzes import kinds as question_kinds
from mooc.quizzes.formats.gift import parse_gift, write_gift
from mooc.quizzes.formats.sheet import parse_csv, parse_xlsx, write_csv, write_xlsx

QUIZ_KEYS = ("questions",) + tuple(QUIZ_DEFAULTS)
DRAW_KEYS = ("kind", "count", "tags")
QUIZ_FILE_SUFFIXES = (".gift", ".xlsx", ".csv")
MAX_QUIZ_FILE_BYTES = 5 * 1024 * 1024
# Suffix → (read bytes, write questions as bytes).
BANK_FORMATS = {".gift": (parse_gift, lambda questions: write_gift(questions).encode("utf-8")),
                ".xlsx": (parse_xlsx, write_xlsx),
                ".csv": (parse_csv, write_csv)}


def read_quiz(front: dict[str, Any], check) -> QuizSpec | None:
    if "questions" not in front:
        check.fail(("kind",), "测验课时必须用 questions 指定题库文件，例如 questions = \"quizzes/test.gift\"")
        return None
    questions_file = check.package_file(front, "questions", QUIZ_FILE_SUFFIXES, "题库文件")
    settings = checked_settings(front, check)
    if questions_file is None:
        return None
    # Several quiz lessons may share a bank: parse (and report) it once.
    banks = check.memo.setdefault("question_banks", {})
    if questions_file not in banks:
        banks[questions_file] = read_questions(questions_file, check)
    questions = banks[questions_file]
    if questions is None:
        return None
    check_draw_pool(settings["draw"], questions, check)
    return QuizSpec(questions_file=questions_file, questions=list(questions), settings=settings)


def read_questions(relative: str, check):
    path = check.root / relative
    if path.stat().st_size > MAX_QUIZ_FILE_BYTES:
        check.error_in(relative, None,
                       f"题库文件过大（不能超过 {MAX_QUIZ_FILE_BYTES // (1024 * 1024)} MB）")
        return None
    parse, _write = BANK_FORMATS[path.suffix.lower()]
    result = parse(path.read_bytes())
    # Even "unsupported, skipped" is an error here: a package is the
    # source of truth, and silently losing a question is worse than failing.
    for issue in result.issues:
        message = f"{issue.column}：{issue.message}" if issue.column else issue.message
        check.error_in(relative, issue.line_or_row or None, message)
    if result.issues:
        return None
    if not result.questions:
        check.error_in(relative, None, "题库中没有任何题目")
        return None
    return result.questions


def checked_settings(front: dict[str, Any], check) -> dict[str, Any]:
    settings = quiz_settings(front)
    settings["pass_mark"] = check.number(front, "pass_mark", minimum=0, maximum=100,
                                         default=QUIZ_DEFAULTS["pass_mark"])
    for key in ("time_limit_minutes", "max_attempts"):
        settings[key] = check.number(front, key, minimum=0, default=0, integer=True)
    for key in ("shuffle_options", "partial_credit"):
        settings[key] = check.boolean(front, key, False)
    if settings["show_feedback"] not in SHOW_FEEDBACK:
        check.fail(("show_feedback",), f"show_feedback 应为 {'、'.join(SHOW_FEEDBACK)} 之一")
        settings["show_feedback"] = QUIZ_DEFAULTS["show_feedback"]
    settings["draw"] = draw_rules(front.get("draw", []), check)
    return settings


def draw_rules(raw: Any, check) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not all(isinstance(rule, dict) for rule in raw):
        check.fail(("draw",), "draw 应为抽题规则列表，例如 draw = [{ kind = \"single\", count = 5 }]")
        return []
    drawable = question_kinds.draw_kinds()
    rules = []
    for index, rule in enumerate(raw):
        path = ("draw", index)
        check.unknown_keys(rule, DRAW_KEYS, path)
        kind = rule.get("kind")
        if kind not in drawable:
            check.fail(path + ("kind",), f"抽题规则的题型“{kind}”不正确（应为 {'、'.join(drawable)}）")
            continue
        count = check.number(rule, "count", minimum=1, default=0, integer=True, path=path)
        tags = check.text_list(rule, path + ("tags",))
        if count:
            rules.append({"kind": kind, "count": count, "tags": tags})
    return rules


def check_draw_pool(rules: list[dict[str, Any]], questions, check) -> None:
    """Each rule must find enough questions: a short pool fails on the day of the exam."""
    for index, rule in enumerate(rules):
        pool = [q for q in questions if question_kinds.kind_of(q.kind).draws_for(q, rule)]
        if len(pool) < rule["count"]:
            tags = f"、带标签“{'、'.join(rule['tags'])}”" if rule["tags"] else ""
            label = question_kinds.kind_of(rule["kind"]).label_zh
            check.fail(("draw", index), f"抽题规则要求 {rule['count']} 道{label}"
                                        f"{tags}，题库中只有 {len(pool)} 道")


def front_matter(quiz: QuizSpec) -> dict[str, Any]:
    front: dict[str, Any] = {"questions": quiz.questions_file}
    settings = dict(quiz.settings)
    draw = settings.pop("draw", [])
    front.update(settings)
    if draw:
        front["draw"] = [{"kind": rule["kind"], "count": rule["count"],
                          **({"tags": list(rule["tags"])} if rule.get("tags") else {})}
                         for rule in draw]
    return front


def question_bank_bytes(questions_file: str, questions: list, original: bytes | None) -> bytes:
    """The bank as the author wrote it when it still says the same, else regenerated."""
    parse, write = BANK_FORMATS[Path(questions_file).suffix.lower()]
    if original is not None:
        result = parse(original)
        if not result.issues and result.questions == list(questions):
            return original
    return write(questions)


def spec_from_quiz(questions, settings, questions_file) -> QuizSpec:
    """A QuizSpec from the stored quiz (exporter, and the re-import comparison)."""
    settings = {k: settings.get(k, default) for k, default in QUIZ_DEFAULTS.items()}
    return QuizSpec(questions_file=questions_file, questions=list(questions), settings=settings)
