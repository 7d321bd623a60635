"""The lead's overview covers every course studied in the subtree, electives included,
with the 学时 credited; the member page shows the hours credited per course."""
from datetime import datetime

from sqlalchemy import insert

from mooc.assignments import audience
from mooc.extensions import db as _db
from mooc.catalog.models import Lesson
from mooc.progress.models import CourseCompletion, LessonProgress
from tests.catalog_factories import make_course
from tests.dashboard import data as gen
from tests.factories import make_user


def test_electives_appear_with_credited_hours(client, login_as):
    data = gen.build_committee()
    gen.assign(data)
    elective = make_course("选学党史专题", lessons=1)
    member = make_user(username="elective-member", org=data.b11)
    outsider = make_user(username="other-branch", org=data.b21)
    now = datetime.utcnow().replace(microsecond=0)
    year = audience.today().year
    _db.session.execute(insert(CourseCompletion), [
        {"user_id": member.id, "course_id": elective.id, "completed_at": now, "year": year,
         "hours": 6.5},
        {"user_id": outsider.id, "course_id": elective.id, "completed_at": now, "year": year,
         "hours": 6.5}])
    lesson_id = _db.session.scalar(_db.select(Lesson.id).filter_by(course_id=elective.id))
    _db.session.execute(insert(LessonProgress), [   # a text lesson: no time recorded
        {"user_id": member.id, "lesson_id": lesson_id, "course_id": elective.id,
         "progress": 1.0, "completed_at": now, "time_spent_seconds": 0, "data": {},
         "created_at": now, "updated_at": now}])
    _db.session.commit()
    login_as(data.lead1)
    assert "全部课程学习情况（含选学）" in client.get("/dashboard/").get_data(as_text=True)
    html = client.get("/dashboard/studied").get_data(as_text=True)
    row = html[html.index(f'data-course="{elective.id}"'):]
    row = row[:row.index("</tr>")]
    assert "选学党史专题" in row and "选学" in row
    assert ">1<" in row          # one finisher in 第一党总支 (the other branch is not counted)
    assert "6.5" in row
    member_html = client.get(f"/dashboard/members/{member.id}").get_data(as_text=True)
    assert "计入学时" in member_html and "6.5" in member_html
    assert "0 分钟" not in member_html
