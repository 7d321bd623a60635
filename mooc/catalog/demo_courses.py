"""Demo step: the course packages under COURSES_DIR (`make run`, `demo load`)."""
from flask import current_app

from mooc.catalog.packages.importer import PackageImportError, import_and_commit


def load_course_packages():
    """Every package under COURSES_DIR; re-importing an unchanged one changes nothing."""
    lines = []
    root = current_app.config["COURSES_DIR"]
    for folder in sorted(p for p in root.iterdir() if (p / "course.toml").is_file()):
        try:
            summary = import_and_commit(folder)
        except PackageImportError as exc:
            lines.append(f"课程包 {folder.name} 无效：{exc}")
            continue
        state = "新建" if summary.created else "已更新" if summary.changed else "已是最新"
        lines.append(f"课程 {summary.course.title}：{state}")
    return lines
