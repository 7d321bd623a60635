"""Members: a branch lead's (and 组织委员's) scoped management of the people in their
subtree — list, create, edit, deactivate, roster import, password resets, category
changes with history, transfers between units, and the self-service 忘记密码 page."""
