"""read_package(): a course folder → CoursePackage, or every error in it.

The reader never stops at the first problem: an author fixing a package
from a CI log wants the whole list, each with file and line.  Checks run
per file (course.toml, each lesson, each referenced file) and then across
files (duplicate slugs, chapter lists, lessons no chapter uses).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mooc.catalog import kinds
from mooc.catalog.packages.rules import COURSE_KEYS, Checker, lesson_keys
from mooc.catalog.packages.format import (
    COURSE_FILE,
    IMAGE_SUFFIXES,
    LESSON_FILE_RE,
    LESSONS_DIR,
    MAX_LESSONS,
    MAX_TEXT_FILE_BYTES,
    ChapterSpec,
    CoursePackage,
    LessonSpec,
    MediaPathError,
    PackageError,
    PackageResult,
    is_valid_slug,
    resolve_media,
)
from mooc.catalog.packages.lesson_file import FrontMatterError, split_lesson_file
from mooc.catalog.packages.markdown_refs import local_targets
from mooc.catalog.packages.tomlpos import TomlLines, parse_toml


@dataclass
class _LessonEntry:
    """A lesson read from disk plus what placing it in a chapter needs."""

    spec: LessonSpec
    file: str
    number: int | None
    chapter: str | None
    chapter_line: int | None
    # A file with errors still takes part in placement, so a chapter list
    # naming it doesn't produce a second, misleading "不存在" error.
    broken: bool = False


# A chapter from course.toml, its `lessons` list (None when absent) and its index.
_ChapterEntry = tuple[ChapterSpec, "list[str] | None", int]


class _Reader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.errors: list[PackageError] = []
        # What lesson kinds keep for the whole read (Checker.memo).
        self.memo: dict[str, Any] = {}

    def error(self, file: str, line: int | None, message: str) -> None:
        self.errors.append(PackageError(file, line, message))

    # ------------------------------------------------------------ files

    def read_text(self, relative: str) -> str | None:
        try:
            path = resolve_media(self.root, relative)  # a symlinked lesson must not leak files
        except MediaPathError as error:
            self.error(relative, None, str(error))
            return None
        if path.stat().st_size > MAX_TEXT_FILE_BYTES:
            self.error(relative, None, f"文件过大（不能超过 {MAX_TEXT_FILE_BYTES // 1024} KB）")
            return None
        try:
            return path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            self.error(relative, None, "文件不是 UTF-8 编码，请用 UTF-8 重新保存")
            return None

    def check_file(self, raw: Any, suffixes: tuple[str, ...], what: str,
                   referrer: str, line: int | None) -> str | None:
        """Canonical package path of a referenced file, or None after an error."""
        if not isinstance(raw, str) or not raw.strip():
            self.error(referrer, line, f"{what}的路径必须是非空文字")
            return None
        try:
            path = resolve_media(self.root, raw)
        except MediaPathError as error:
            self.error(referrer, line, f"{what}：{error}")
            return None
        relative = path.relative_to(self.root.resolve()).as_posix()
        if suffixes and path.suffix.lower() not in suffixes:
            self.error(referrer, line, f"{what}“{raw}”的文件类型不支持（应为 {'、'.join(suffixes)}）")
            return None
        if not path.is_file():
            self.error(referrer, line, f"引用的{what}“{raw}”不存在")
            return None
        return relative

    # ------------------------------------------------------------ course.toml

    def read_course(self) -> tuple[dict[str, Any] | None, TomlLines | None]:
        if not (self.root / COURSE_FILE).is_file():
            self.error(COURSE_FILE, None, "课程包缺少 course.toml 文件")
            return None, None
        text = self.read_text(COURSE_FILE)
        if text is None:
            return None, None
        data, line, message = parse_toml(text)
        if data is None:
            self.error(COURSE_FILE, line, message or "TOML 格式错误")
            return None, None
        return data, TomlLines(text)

    def course_fields(self, data: dict[str, Any], where: TomlLines) -> CoursePackage:
        check = Checker(self, COURSE_FILE, where)
        check.unknown_keys(data, COURSE_KEYS, ())
        slug = data.get("slug", self.root.name)
        if not is_valid_slug(slug):
            check.fail(("slug",), f"课程标识“{slug}”不合法：只能使用小写字母、数字和连字符（-）")
        package = CoursePackage(
            slug=slug if isinstance(slug, str) else "",
            title=check.text(data, "title", required=True),
            summary=check.text(data, "summary"),
            category=check.course_category(data),
            course_type=check.course_type(data),
            credit_hours=check.number(data, "credit_hours", minimum=0, default=1.0, as_float=True),
            no_skip_ahead=check.boolean(data, "no_skip_ahead", False),
            owners=check.text_list(data, ("owners",)),
        )
        if "cover" in data:
            package.cover = self.check_file(data["cover"], IMAGE_SUFFIXES, "封面图片",
                                            COURSE_FILE, where.line_of("cover"))
        visibility = data.get("visibility", {})
        if not isinstance(visibility, dict):
            check.fail(("visibility",), "visibility 应为表，例如 visibility = { orgs = [], categories = [] }")
            visibility = {}
        check.unknown_keys(visibility, ("orgs", "categories"), ("visibility",))
        package.visibility_orgs = check.org_list(visibility)
        package.visibility_categories = check.categories(visibility)
        return package

    def chapter_specs(self, data: dict[str, Any], where: TomlLines) -> list[_ChapterEntry]:
        """(chapter, lesson references or None, index) for each valid [[chapters]] entry."""
        check = Checker(self, COURSE_FILE, where)
        chapters = data.get("chapters")
        if not isinstance(chapters, list) or not chapters:
            check.fail(("chapters",), "课程至少需要一个章节（[[chapters]]）")
            return []
        result = []
        seen: dict[str, int] = {}
        for index, raw in enumerate(chapters):
            if not isinstance(raw, dict):
                check.fail(("chapters",), "chapters 中的每一项都应是表（[[chapters]]）")
                continue
            check.unknown_keys(raw, ("slug", "title", "lessons"), ("chapters", index))
            slug = raw.get("slug")
            if not is_valid_slug(slug):
                check.fail(("chapters", index, "slug"),
                           f"章节标识“{slug if slug is not None else ''}”不合法："
                           "必须填写，且只能使用小写字母、数字和连字符（-）")
                slug = None
            elif slug in seen:
                check.fail(("chapters", index, "slug"), f"章节标识“{slug}”重复（第 {seen[slug] + 1} 个章节已使用）")
            else:
                seen[slug] = index
            title = check.text(raw, "title", required=True, path=("chapters", index))
            references = None
            if "lessons" in raw:
                references = check.text_list(raw, ("chapters", index, "lessons"))
            if slug:
                result.append((ChapterSpec(slug=slug, title=title), references, index))
        return result

    # ------------------------------------------------------------ lessons

    def lesson_files(self) -> list[str]:
        folder = self.root / LESSONS_DIR
        if not folder.is_dir():
            self.error(LESSONS_DIR, None, "课程包缺少 lessons 目录")
            return []
        names = sorted(p.name for p in folder.iterdir() if p.is_file() and p.suffix == ".md")
        if len(names) > MAX_LESSONS:
            self.error(LESSONS_DIR, None, f"课时文件过多（最多 {MAX_LESSONS} 个）")
            names = names[:MAX_LESSONS]
        return [f"{LESSONS_DIR}/{name}" for name in names]

    def read_lesson(self, relative: str) -> _LessonEntry:
        name = relative.rsplit("/", 1)[1]
        match = LESSON_FILE_RE.match(name)
        number, slug = (int(match.group(1)) if match.group(1) else None), match.group(2)
        ok = True
        if not is_valid_slug(slug):
            self.error(relative, None, f"课时标识“{slug}”不合法：文件名应为“两位序号-标识.md”，"
                                       "标识只能使用小写字母、数字和连字符（-）")
            ok = False
        placeholder = _LessonEntry(LessonSpec(slug=slug, title=""), relative, number,
                                   None, None, broken=True)
        text = self.read_text(relative)
        if text is None:
            return placeholder
        try:
            lesson_file = split_lesson_file(text)
        except FrontMatterError as error:
            self.error(relative, error.line, error.message)
            return placeholder
        errors_before = len(self.errors)
        front, where = lesson_file.front, lesson_file.locate
        check = Checker(self, relative, where)
        check.unknown_keys(front, lesson_keys(), ())
        kind = front.get("kind", "text")
        if not isinstance(kind, str) or kind not in kinds.KINDS:
            names = [cls.name for cls in kinds.ordered()]
            expected = "、".join(names[:-1]) + f" 或 {names[-1]}" if len(names) > 1 else names[0]
            check.fail(("kind",), f"未知的课时类型“{kind}”（应为 {expected}）")
            kind = None
        spec = LessonSpec(
            slug=slug, title=check.text(front, "title", required=True),
            kind=kind or "text", required=check.boolean(front, "required", True),
            body_markdown=lesson_file.body, source_file=relative,
        )
        if "min_reading_minutes" in front:
            minutes = check.number(front, "min_reading_minutes", minimum=0, default=0, as_float=True)
            spec.min_reading_seconds = round(minutes * 60)
        spec.attachments = [path for path in (
            self.check_file(raw, (), "附件", relative, where.line_of_value(str(raw), "attachments"))
            for raw in check.text_list(front, ("attachments",))) if path]
        self.check_body_links(spec.body_markdown, relative, lesson_file.body_first_line)
        if kind is not None:
            check.keys_only_for(front, kind)
            kinds.KINDS[kind].read_package_fields(spec, front, check)
        chapter = front.get("chapter")
        if chapter is not None and not isinstance(chapter, str):
            check.fail(("chapter",), "chapter 应为章节标识（文字）")
            chapter = None
        broken = not ok or len(self.errors) > errors_before
        return _LessonEntry(spec, relative, number, chapter, where.line_of("chapter"), broken)

    def check_body_links(self, body: str, relative: str, first_line: int) -> None:
        for ref in local_targets(body):
            line = first_line + ref.line
            if ref.error:
                self.error(relative, line, f"正文中的链接不可用：{ref.error}")
                continue
            try:
                exists = resolve_media(self.root, ref.package_path).is_file()
            except MediaPathError:  # a symlink pointing out of the package
                self.error(relative, line, f"正文中的链接不可用：文件路径“{ref.target}”指向课程包之外")
                continue
            if not exists:
                self.error(relative, line, f"正文引用的文件“{ref.target}”不存在")
            elif ref.is_image and Path(ref.package_path).suffix.lower() not in IMAGE_SUFFIXES:
                self.error(relative, line, f"正文中的图片“{ref.target}”格式不能在网页中显示"
                                           f"（应为 {'、'.join(IMAGE_SUFFIXES)}）")

    # ------------------------------------------------------------ across files

    def place_lessons(self, chapters: list[_ChapterEntry], entries: list[_LessonEntry],
                      where: TomlLines) -> None:
        by_slug: dict[str, _LessonEntry] = {}
        by_stem: dict[str, _LessonEntry] = {}
        for entry in entries:
            first = by_slug.get(entry.spec.slug)
            if first is not None:
                self.error(entry.file, None, f"课时标识“{entry.spec.slug}”与 {first.file} 重复，"
                                             "同一课程中的课时标识必须唯一")
                continue
            by_slug[entry.spec.slug] = entry
            by_stem[entry.file.rsplit("/", 1)[1][:-3]] = entry
        chapter_slugs = {chapter.slug for chapter, _, _ in chapters}
        placed: dict[str, str] = {}
        for chapter, references, index in chapters:
            if references is None:
                continue
            for reference in references:
                entry = by_stem.get(reference) or by_slug.get(reference)
                line = where.line_of_value(reference, "chapters", index, "lessons")
                if entry is None:
                    self.error(COURSE_FILE, line, f"章节“{chapter.slug}”引用的课时“{reference}”不存在"
                                                  f"（应为 lessons 目录中文件名去掉序号和 .md 后的标识）")
                    continue
                if entry.spec.slug in placed:
                    self.error(COURSE_FILE, line, f"课时“{reference}”被多次引用"
                                                  f"（已在章节“{placed[entry.spec.slug]}”中）")
                    continue
                if entry.chapter and entry.chapter != chapter.slug:
                    self.error(entry.file, entry.chapter_line,
                               f"课时声明属于章节“{entry.chapter}”，但 course.toml 把它放在章节“{chapter.slug}”中")
                placed[entry.spec.slug] = chapter.slug
                chapter.lessons.append(entry.spec)
        for chapter, references, _ in chapters:
            if references is not None:
                continue
            # A chapter without a lessons list takes the lessons that name it,
            # ordered by the NN file-name prefix.
            claimed = sorted((e for e in by_slug.values()
                              if e.chapter == chapter.slug and e.spec.slug not in placed),
                             key=lambda e: (e.number is None, e.number or 0, e.spec.slug))
            for entry in claimed:
                placed[entry.spec.slug] = chapter.slug
                chapter.lessons.append(entry.spec)
        for entry in by_slug.values():
            if entry.spec.slug in placed or (entry.broken and not entry.chapter):
                continue
            if entry.chapter and entry.chapter not in chapter_slugs:
                self.error(entry.file, entry.chapter_line, f"课时声明的章节“{entry.chapter}”不存在")
            elif entry.chapter:
                self.error(entry.file, entry.chapter_line,
                           f"章节“{entry.chapter}”已有 lessons 列表，但列表中没有这个课时")
            else:
                self.error(entry.file, None, "这个课时没有被任何章节引用：请把它加入 course.toml 中某个章节的"
                                             " lessons 列表，或在课时设置中写 chapter = \"章节标识\"")
        for chapter, _, index in chapters:
            if not chapter.lessons:
                self.error(COURSE_FILE, where.line_of("chapters", index), f"章节“{chapter.slug}”中没有任何课时")


def read_package(path: str | Path) -> PackageResult:
    """Read and validate the course package in folder ``path``.

    Returns the package and no errors, or ``package=None`` and every error
    found (each with the package-relative file and, where known, the line).
    """
    root = Path(path)
    reader = _Reader(root)
    if not root.is_dir():
        return PackageResult(None, [PackageError(".", None, f"课程包目录“{root}”不存在")])
    data, where = reader.read_course()
    package = chapters = None
    if data is not None:
        package = reader.course_fields(data, where)
        chapters = reader.chapter_specs(data, where)
    entries = []
    for relative in reader.lesson_files():
        entries.append(reader.read_lesson(relative))
    if package is not None and chapters:
        reader.place_lessons(chapters, entries, where)
        package.chapters = [chapter for chapter, _, _ in chapters]
    if reader.errors or package is None:
        return PackageResult(None, reader.errors)
    return PackageResult(package, [])
