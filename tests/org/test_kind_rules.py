"""Allowed parent kinds (issue 16): 党委 › 党总支 › 党支部 › 党小组, a 党支部 under a 党委."""
import pytest

from mooc.org import services
from tests.conftest import csrf_token, login


@pytest.fixture
def tree(make_org):
    committee = make_org("党委", "committee")
    general = make_org("第一党总支", "general_branch", committee)
    branch = make_org("第一党支部", "branch", general)
    group = make_org("第一党小组", "group", branch)
    office = make_org("机关党支部", "branch", committee)  # a branch directly under a 党委
    return dict(committee=committee, general=general, branch=branch, group=group,
                office=office)


@pytest.mark.parametrize("kind,parent", [("branch", "group"), ("general_branch", "branch"),
                                         ("committee", "branch"), ("group", "general"),
                                         ("group", "committee"), ("general_branch", "general")])
def test_create_refuses_a_wrong_parent_kind(tree, kind, parent):
    with pytest.raises(services.OrgError, match="不能设在"):
        services.create_org("新组织", kind, tree[parent])


def test_a_group_needs_a_branch(tree):
    with pytest.raises(services.OrgError, match="不能作为顶级组织"):
        services.create_org("孤立小组", "group", None)
    assert services.create_org("第二党小组", "group", tree["office"]).path


def test_move_checks_the_new_parent_kind(tree):
    with pytest.raises(services.OrgError, match="不能设在"):
        services.move_org(tree["office"], tree["branch"])
    with pytest.raises(services.OrgError):
        services.move_org(tree["group"], tree["general"])
    services.move_org(tree["group"], tree["office"])  # group → another branch: fine


def test_merge_checks_where_the_children_land(tree):
    with pytest.raises(services.OrgError, match="党小组不能设在"):
        services.merge_org(tree["branch"], tree["general"])


def test_cli_refuses_with_a_chinese_error(app, tree):
    result = app.test_cli_runner().invoke(
        args=["org", "create", "测试支部", "--kind", "党支部", "--parent", "第一党小组"])
    assert result.exit_code != 0
    assert "党支部不能设在党小组“第一党小组”之下" in result.output


def test_admin_screen_flashes_the_rule(app, client, tree, make_user):
    admin = make_user(role="admin")
    login(client, admin.username)
    token = csrf_token(client, "/admin/org")
    response = client.post("/admin/org/create", data={
        "csrf_token": token, "name": "测试支部", "kind": "branch",
        "parent": str(tree["group"].id)}, follow_redirects=True)
    assert "党支部不能设在党小组" in response.get_data(as_text=True)
