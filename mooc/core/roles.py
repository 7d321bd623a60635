"""The four roles' stored names. They live in core because the permission predicates
every feature uses (core.permissions) decide on them; accounts adds their labels."""
LEARNER, INSTRUCTOR, BRANCH_LEAD, ADMIN = "learner", "instructor", "branch_lead", "admin"
