"""The four roles' stored names. They live in core because the permission predicates
every feature uses (core.permissions) decide on them; accounts adds their labels."""
LEARNER, INSTRUCTOR, BRANCH_LEAD, ADMIN = "learner", "instructor", "branch_lead", "admin"
# 组织委员: manages members in their unit's subtree like a branch lead, nothing else.
DEPUTY = "org_deputy"
