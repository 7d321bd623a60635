"""The dashboard's service entry points as zero-argument calls, for bench/ to time."""
from mooc.assignments.audience import COMPLETED, OVERDUE
from mooc.dashboard.members import MemberFilters, member_export_rows, member_page, member_record, \
    required_courses
from mooc.dashboard.overview import overview


def bench_calls(viewer, member_id=None, on=None):
    """{name: zero-argument call} — the dashboard's service entry points, for bench/."""
    courses = required_courses(viewer)
    calls = {
        "overview": lambda: overview(viewer, on=on),
        "member_page": lambda: member_page(viewer, MemberFilters(), on=on),
        "member_page_overdue_by_progress": lambda: member_page(
            viewer, MemberFilters(status=OVERDUE, sort="progress"), on=on),
        "member_export_rows": lambda: sum(1 for _ in member_export_rows(
            viewer, MemberFilters(), on=on)[1]),
    }
    if courses:
        calls["overview_one_course"] = lambda: overview(viewer, course_id=courses[0].id, on=on)
        calls["member_page_one_course"] = lambda: member_page(
            viewer, MemberFilters(course_id=courses[0].id, status=COMPLETED), on=on)
    if member_id is not None:
        calls["member_record"] = lambda: member_record(viewer, member_id, on=on)
    return calls
