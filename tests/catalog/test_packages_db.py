"""Course packages against the database: import, re-import, export, round trip."""
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config import BASE_DIR
from mooc.catalog import services
from mooc.catalog.models import Lesson
from mooc.catalog.packages import read_package
from mooc.catalog.packages.exporter import export_course
from mooc.catalog.packages.importer import PackageImportError, import_and_commit
from mooc.core.models import BackgroundJob
from mooc.demo import services as demo
from mooc.progress import services as progress

DEMOS = ["hulianwang-dangjian", "yubei-dangyuan-dangzhang"]


@pytest.fixture
def demo_people(app):
    """The organisation tree and accounts the demo packages name (teacher, units)."""
    demo.load(steps=())


def copy_demo(slug, tmp_path):
    target = tmp_path / slug
    shutil.copytree(BASE_DIR / "courses" / slug, target)
    return target


@pytest.mark.slow
@pytest.mark.parametrize("slug", DEMOS)
def test_demo_package_imports_exports_and_reimports_unchanged(app, db, demo_people, slug,
                                                              tmp_path):
    summary = import_and_commit(BASE_DIR / "courses" / slug)
    course = summary.course
    assert summary.created and course.is_published
    kinds = {lesson.kind for lesson in course.lessons}
    assert kinds == {"text", "video", "quiz"}
    assert len(course.lessons) >= 5
    learner = db.session.scalar(select(demo.User).where(demo.User.username == "probation"))
    first = course.ordered_lessons()[0]
    progress.record_progress(learner, first, 1.0)
    db.session.commit()

    exported = tmp_path / "out" / slug
    export_course(course, exported)
    original = read_package(BASE_DIR / "courses" / slug)
    again = read_package(exported)
    assert again.errors == []
    assert again.package == original.package

    lesson_ids = sorted(db.session.scalars(select(Lesson.id).where(Lesson.course_id == course.id)))
    second = import_and_commit(exported)
    assert not second.created and second.lessons_created == 0
    assert sorted(db.session.scalars(select(Lesson.id).where(Lesson.course_id == course.id))) \
        == lesson_ids
    assert progress.progress_for(learner, [first.id])[first.id].progress == 1.0


def test_invalid_package_is_rejected_whole_with_file_and_line(app, db, demo_people, tmp_path):
    package = copy_demo("hulianwang-dangjian", tmp_path)
    lesson_file = package / "lessons" / "04-zhuti-dangri.md"
    lesson_file.write_text(lesson_file.read_text("utf-8").replace("+++\n", "+++\nkind = \n", 1),
                           "utf-8")
    (package / "media" / "meeting-flow.png").unlink()
    with pytest.raises(PackageImportError) as caught:
        import_and_commit(package, check_videos=False)
    messages = [f"{e.file}:{e.line}" for e in caught.value.errors]
    assert any(m.startswith("lessons/04-zhuti-dangri.md:") and not m.endswith("None")
               for m in messages), messages
    assert any("meeting-flow.png" in e.message_zh or "meeting-flow" in e.file
               for e in caught.value.errors)
    assert db.session.scalar(select(func.count(Lesson.id))) == 0


def test_unknown_owner_or_unit_rejects_package(app, db, tmp_path):
    package = copy_demo("yubei-dangyuan-dangzhang", tmp_path)
    with pytest.raises(PackageImportError) as caught:
        import_and_commit(package, check_videos=False)
    assert any("teacher" in e.message_zh for e in caught.value.errors)
    assert services.course_by_slug("yubei-dangyuan-dangzhang") is None


def test_lesson_removed_from_package_is_unpublished_not_deleted(app, db, demo_people, tmp_path):
    package = copy_demo("hulianwang-dangjian", tmp_path)
    summary = import_and_commit(package, check_videos=False)
    toml = package / "course.toml"
    toml.write_text(toml.read_text("utf-8").replace('    "online-dues",\n', ""), "utf-8")
    (package / "lessons" / "05-online-dues.md").unlink()
    again = import_and_commit(package, check_videos=False)
    assert again.lessons_retired == ["online-dues"]
    lesson = next(l for l in summary.course.lessons if l.slug == "online-dues")
    db.session.refresh(lesson)
    assert lesson.published is False


def test_cli_import_and_export(app, db, demo_people, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["courses", "import", str(BASE_DIR / "courses" / DEMOS[0]),
                                 "--no-video-check"])
    assert result.exit_code == 0, result.output
    assert "已创建课程 hulianwang-dangjian" in result.output
    out = tmp_path / "exported"
    result = runner.invoke(args=["courses", "export", DEMOS[0], str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "course.toml").is_file()
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "course.toml").write_text("slug = ", "utf-8")
    result = runner.invoke(args=["courses", "import", str(broken)])
    assert result.exit_code != 0 and "course.toml" in result.output


# --- re-import: only what changed is touched, and the summary says so -----------

def _stamps(course):
    return course.content_updated_at, {lesson.slug: lesson.updated_at for lesson in course.lessons}


def _job_count(db):
    return db.session.scalar(select(func.count(BackgroundJob.id)))


@pytest.mark.parametrize("slug", DEMOS)
def test_unchanged_reimport_changes_nothing(app, db, demo_people, tmp_path, slug):
    package = copy_demo(slug, tmp_path)
    first = import_and_commit(package)
    assert first.created and first.changed
    course_stamp, lesson_stamps = _stamps(first.course)
    jobs = _job_count(db)

    again = import_and_commit(package)
    assert not again.changed, again.describe()
    assert again.lessons_updated == 0 and again.lessons_created == 0 and not again.pending
    assert again.jobs_queued == 0 and _job_count(db) == jobs
    assert "没有变化" in again.describe()
    db.session.expire_all()
    assert _stamps(again.course) == (course_stamp, lesson_stamps)


def test_changing_one_lesson_updates_only_that_lesson(app, db, demo_people, tmp_path):
    package = copy_demo(DEMOS[0], tmp_path)
    first = import_and_commit(package, check_videos=False)
    course_stamp, lesson_stamps = _stamps(first.course)
    lesson_file = package / "lessons" / "05-online-dues.md"
    lesson_file.write_text(lesson_file.read_text("utf-8") + "\n补充一段说明。\n", "utf-8")

    again = import_and_commit(package, check_videos=False)
    assert again.lessons_updated == 1 and again.lessons_created == 0
    assert "更新 1 课时" in again.describe() and "排队" not in again.describe()
    db.session.expire_all()
    new_course_stamp, new_lesson_stamps = _stamps(again.course)
    assert new_course_stamp > course_stamp
    changed = {slug for slug, stamp in new_lesson_stamps.items() if stamp != lesson_stamps[slug]}
    assert changed == {"online-dues"}
