import pytest
from sqlalchemy import select

from mooc.accounts.models import User
from mooc.org import services
from mooc.org.models import Organisation
from tests.conftest import csrf_token


@pytest.fixture
def tree(make_org):
    committee = make_org("党委", "committee")
    general1 = make_org("第一党总支", "general_branch", committee)
    general2 = make_org("第二党总支", "general_branch", committee)
    branch1 = make_org("第一党支部", "branch", general1)
    branch2 = make_org("第二党支部", "branch", general1)
    group = make_org("第一党小组", "group", branch1)
    branch3 = make_org("第三党支部", "branch", general2)
    return dict(committee=committee, general1=general1, general2=general2, branch1=branch1,
                branch2=branch2, group=group, branch3=branch3)


def names(orgs):
    return sorted(o.name for o in orgs)


def test_subtree_is_one_query(tree, db):
    under = db.session.scalars(services.subtree_query(tree["general1"])).all()
    assert names(under) == ["第一党小组", "第一党总支", "第一党支部", "第二党支部"]


def test_sibling_ids_with_shared_prefix_are_not_in_subtree(make_org, db):
    """/1/ must not match /10/ or /11/: the path range is exact."""
    root = make_org("根", "committee")
    made = [make_org(f"支部{i}", "branch", root) for i in range(12)]
    first = made[0]
    child = make_org("小组", "group", first)
    under = {o.id for o in db.session.scalars(services.subtree_query(first))}
    assert under == {first.id, child.id}


def test_move_rewrites_the_whole_subtree(tree, db):
    services.move_org(tree["branch1"], tree["general2"])
    db.session.commit()
    group = db.session.get(Organisation, tree["group"].id)
    assert group.path.startswith(tree["general2"].path)
    assert group.depth == 3
    under = db.session.scalars(services.subtree_query(tree["general2"])).all()
    assert "第一党小组" in names(under)
    assert "第一党小组" not in names(db.session.scalars(services.subtree_query(tree["general1"])))


def test_move_into_own_subtree_is_refused(tree):
    with pytest.raises(services.OrgError):
        services.move_org(tree["general1"], tree["group"])


def test_merge_keeps_members_and_children(tree, db, make_user):
    member = make_user(org=tree["branch2"])
    child = services.create_org("第二党支部小组", "group", tree["branch2"])
    db.session.commit()
    services.merge_org(tree["branch2"], tree["branch1"])
    db.session.commit()
    assert db.session.get(Organisation, tree["branch2"].id) is None
    assert db.session.get(User, member.id).org_id == tree["branch1"].id
    assert db.session.get(Organisation, child.id).parent_id == tree["branch1"].id
    assert db.session.get(Organisation, child.id).path.startswith(tree["branch1"].path)


def test_find_by_label(tree, make_org):
    make_org("第一党小组", "group", tree["branch2"])  # the same name twice
    org, reason = services.find_by_label("第三党支部")
    assert org.id == tree["branch3"].id and reason is None
    org, reason = services.find_by_label("第一党小组")
    assert org is None and "不唯一" in reason
    org, reason = services.find_by_label("第一党总支/第一党支部/第一党小组")
    assert org.id == tree["group"].id
    assert services.find_by_label("不存在")[0] is None


def test_admin_screens_create_rename_move_merge(client, login_as, tree, db):
    login_as(role="admin")
    token = csrf_token(client, "/admin/org")
    assert "第一党总支" in client.get("/admin/org").get_data(as_text=True)
    response = client.post("/admin/org/create", data={
        "name": "新支部", "kind": "branch", "parent": str(tree["general2"].id), "csrf_token": token})
    assert response.status_code == 302
    new = db.session.scalar(select(Organisation).where(Organisation.name == "新支部"))
    assert new.parent_id == tree["general2"].id
    client.post(f"/admin/org/{new.id}/rename", data={"rename-name": "更名支部", "csrf_token": token})
    client.post(f"/admin/org/{new.id}/move", data={"move-parent": str(tree["general1"].id),
                                                    "csrf_token": token})
    db.session.expire_all()
    new = db.session.get(Organisation, new.id)
    assert new.name == "更名支部" and new.parent_id == tree["general1"].id
    new_id = new.id
    client.post(f"/admin/org/{new_id}/merge", data={"merge-target": str(tree["branch1"].id),
                                                     "csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Organisation, new_id) is None


def test_invalid_move_explained_not_500(client, login_as, tree):
    login_as(role="admin")
    token = csrf_token(client, "/admin/org")
    response = client.post(f"/admin/org/{tree['general1'].id}/move",
                           data={"move-parent": str(tree["group"].id), "csrf_token": token},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "不能把组织移动到" in response.get_data(as_text=True)


def test_branch_lead_sees_only_their_subtree(client, login_as, tree):
    login_as(role="branch_lead", org=tree["general1"])
    page = client.get("/org").get_data(as_text=True)
    assert "第一党支部" in page and "第三党支部" not in page


def test_huge_ids_are_404_not_500(client, login_as):
    login_as(role="admin")
    assert client.get("/admin/org/99999999999999999999999").status_code == 404


def test_org_cli(app, tree):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["org", "create", "第五党支部", "--kind", "党支部",
                                 "--parent", "第二党总支"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["org", "tree"])
    assert "第五党支部" in result.output
    result = runner.invoke(args=["org", "create", "x", "--parent", "没有这个组织"])
    assert result.exit_code != 0 and "找不到组织" in result.output
