"""Demo data for `make run`: an organisation tree, one account per role and ~40 learners.

Idempotent: units are found by name under their parent and users by username, so
running it again changes nothing. Features add their own steps (courses, …) to
DEMO_STEPS.
"""
from sqlalchemy import select

from mooc.accounts import services as accounts
from mooc.accounts.models import User
from mooc.extensions import db
from mooc.org import services as org_services
from mooc.org.models import Organisation

DEMO_PASSWORD = "demo1234"

TREE = ("中共示范单位委员会", "committee", [
    ("第一党总支", "general_branch", [
        ("第一党支部", "branch", [("第一党小组", "group", []), ("第二党小组", "group", [])]),
        ("第二党支部", "branch", []),
    ]),
    ("第二党总支", "general_branch", [
        ("第三党支部", "branch", []),
        ("第四党支部", "branch", []),
    ]),
    ("机关党支部", "branch", []),
])

# username, name, role, category, unit
ACCOUNTS = [
    ("admin", "系统管理员", "admin", "full_member", None),
    ("teacher", "王讲师", "instructor", "full_member", "机关党支部"),
    ("lead", "李书记", "branch_lead", "full_member", "第一党总支"),
    ("lead2", "赵书记", "branch_lead", "full_member", "第三党支部"),
    ("member", "张党员", "learner", "full_member", "第一党小组"),
    ("probation", "陈预备", "learner", "probationary", "第二党支部"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["建国", "秀英", "志强", "丽华", "海燕", "永红", "卫东", "晓明", "春梅", "国庆"]
LEARNER_UNITS = ["第一党小组", "第二党小组", "第二党支部", "第三党支部", "第四党支部", "机关党支部"]
LEARNER_CATEGORIES = ["full_member", "full_member", "probationary", "candidate", "activist",
                      "masses"]
DEMO_STEPS = []  # callables returning a list of summary lines


def load_course_packages():
    """Every package under COURSES_DIR; re-importing an unchanged one changes nothing."""
    from flask import current_app
    from mooc.catalog.packages.importer import PackageImportError, import_and_commit
    lines = []
    root = current_app.config["COURSES_DIR"]
    for folder in sorted(p for p in root.iterdir() if (p / "course.toml").is_file()):
        try:
            summary = import_and_commit(folder)
        except PackageImportError as exc:
            lines.append(f"课程包 {folder.name} 无效：{exc}")
            continue
        state = "新建" if summary.created else "已更新" if summary.changed else "已是最新"
        lines.append(f"课程 {summary.course.title}：{state}")
    return lines


DEMO_STEPS.append(load_course_packages)


def _ensure_unit(name, kind, parent):
    query = select(Organisation).where(Organisation.name == name)
    query = query.where(Organisation.parent_id == parent.id) if parent else \
        query.where(Organisation.parent_id.is_(None))
    return db.session.scalar(query) or org_services.create_org(name, kind, parent)


def _ensure_tree(node, parent=None, units=None):
    units = {} if units is None else units
    name, kind, children = node
    unit = _ensure_unit(name, kind, parent)
    units[name] = unit
    for child in children:
        _ensure_tree(child, unit, units)
    return units


def demo_accounts():
    accounts_list = list(ACCOUNTS)
    for i in range(40):
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)]
        accounts_list.append((f"user{i + 1:02d}", name, "learner",
                              LEARNER_CATEGORIES[i % len(LEARNER_CATEGORIES)],
                              LEARNER_UNITS[i % len(LEARNER_UNITS)]))
    return accounts_list


def load():
    units = _ensure_tree(TREE)
    password_hash = accounts.hash_password(DEMO_PASSWORD)  # one KDF run for all demo users
    existing = set(db.session.scalars(select(User.username)))
    created = 0
    for username, name, role, category, unit in demo_accounts():
        if username in existing:
            continue
        accounts.create_user(username, name, None, role=role, category=category,
                             org=units.get(unit), password_hash=password_hash)
        created += 1
    db.session.commit()
    lines = [f"组织 {len(units)} 个，新建账号 {created} 个（演示密码 {DEMO_PASSWORD}）"]
    for step in DEMO_STEPS:
        lines.extend(step())
        db.session.commit()
    return lines
