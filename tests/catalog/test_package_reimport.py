"""Re-importing a course package touches only what changed, and says so."""
import pytest
from sqlalchemy import func, select

from mooc.catalog.models import Lesson
from mooc.catalog.packages.importer import import_and_commit
from mooc.core.models import BackgroundJob
from tests.catalog.test_packages_db import DEMOS, copy_demo, demo_people  # noqa: F401


def _stamps(course):
    return course.content_updated_at, {lesson.slug: lesson.updated_at for lesson in course.lessons}


def _job_count(db):
    return db.session.scalar(select(func.count(BackgroundJob.id)))


@pytest.mark.parametrize("slug", DEMOS)
def test_unchanged_reimport_changes_nothing(app, db, demo_people, tmp_path, slug):  # noqa: F811
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


def test_changing_one_lesson_updates_only_that_lesson(app, db, demo_people, tmp_path):  # noqa: F811
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
