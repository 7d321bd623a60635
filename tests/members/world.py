"""A small tree with two branches, their leads, members and an admin."""
from types import SimpleNamespace

from tests import factories


def build():
    committee = factories.make_org("党委", "committee")
    general = factories.make_org("第一党总支", "general_branch", committee)
    branch = factories.make_org("第一党支部", "branch", general)
    group = factories.make_org("第一党小组", "group", branch)
    other = factories.make_org("第二党支部", "branch", committee)
    make = factories.make_user
    return SimpleNamespace(
        committee=committee, general=general, branch=branch, group=group, other=other,
        admin=make(username="admin1", role="admin"),
        lead=make(username="lead1", role="branch_lead", org=branch, name="书记甲"),
        deputy=make(username="deputy1", role="org_deputy", org=branch, name="组织委员甲"),
        member=make(username="member1", org=group, name="张三", category="candidate"),
        other_lead=make(username="lead2", role="branch_lead", org=other, name="书记乙"),
        outsider=make(username="outsider", org=other, name="李四"),
        top_lead=make(username="toplead", role="branch_lead", org=committee, name="党委书记"))
