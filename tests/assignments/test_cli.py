"""`flask --app mooc assignments …` and `flask --app mooc dashboard …`."""
import csv

from tests.assignments.factories import make_assignment
from tests.catalog_factories import make_course


def test_assignment_and_dashboard_commands(app, make_org, make_user, tmp_path):
    unit = make_org("第一党支部")
    make_user(org=unit, username="cli-member")
    admin = make_user(role="admin", username="cli-admin")
    make_assignment(make_course("命令行课程"), unit, due_in=2)
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["assignments", "list"])
    assert listed.exit_code == 0 and "命令行课程" in listed.output
    remind = runner.invoke(args=["assignments", "remind"])
    assert remind.exit_code == 0 and "即将到期提醒 1 条" in remind.output
    again = runner.invoke(args=["assignments", "remind"])
    assert "即将到期提醒 0 条" in again.output
    summary = runner.invoke(args=["dashboard", "summary", "--as", admin.username])
    assert summary.exit_code == 0 and "第一党支部" in summary.output
    target = tmp_path / "members.csv"
    exported = runner.invoke(args=["dashboard", "export", "--as", admin.username, str(target)])
    assert exported.exit_code == 0, exported.output
    rows = list(csv.reader(target.open(encoding="utf-8-sig")))
    assert rows[0][0] == "姓名" and any(r[1] == "cli-member" for r in rows[1:])
    refused = runner.invoke(args=["dashboard", "summary", "--as", "cli-member"])
    assert refused.exit_code != 0
    bad = runner.invoke(args=["dashboard", "export", "--as", admin.username,
                              str(tmp_path / "x.pdf")])
    assert bad.exit_code != 0


def test_bench_calls_run(app, make_org, make_user):
    from mooc.dashboard.bench_calls import bench_calls
    unit = make_org("第一党支部")
    member = make_user(org=unit)
    admin = make_user(role="admin")
    make_assignment(make_course(), unit)
    calls = bench_calls(admin, member_id=member.id)
    assert {"overview", "member_page", "member_record", "overview_one_course"} <= set(calls)
    for call in calls.values():
        call()
