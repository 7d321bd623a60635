"""Organisation tree operations. Paths are rewritten in one UPDATE per operation."""
from sqlalchemy import func, literal, select, update

from mooc.accounts.models import User
from mooc.core.services import audit
from mooc.extensions import db
from mooc.org.models import ORG_KINDS, Organisation, subtree_filter
from mooc.core.textclean import clean_line


class OrgError(ValueError):
    """A rule was broken; the message is for the user, in Chinese."""


# Which kinds a unit may sit under (None: at the top of the tree). 党委 › 党总支 › 党支部 ›
# 党小组, and a 党支部 may sit directly under a 党委; a 党委 may sit under a 党委 (二级党委).
ALLOWED_PARENTS = {
    "committee": {None, "committee"},
    "general_branch": {None, "committee"},
    "branch": {None, "committee", "general_branch"},
    "group": {"branch"},
}


def check_parent_kind(kind, parent):
    """Raise OrgError unless a unit of `kind` may sit directly under `parent`."""
    allowed = ALLOWED_PARENTS.get(kind, set())
    if (parent.kind if parent is not None else None) in allowed:
        return
    label = ORG_KINDS.get(kind, kind)
    if parent is None:
        raise OrgError(f"{label}不能作为顶级组织，必须设在党支部之下。")
    names = "、".join(str(ORG_KINDS[k]) for k in ORG_KINDS if k in allowed)
    raise OrgError(f"{label}不能设在{parent.kind_label}“{parent.name}”之下"
                   f"（只能设在{names}之下）。")


def _path_for(org):
    return (org.parent.path if org.parent else "/") + f"{org.id}/"


def create_org(name, kind="branch", parent=None, sort_order=0):
    name = clean_line(name)
    if not name:
        raise OrgError("组织名称不能为空。")
    if kind not in ORG_KINDS:
        raise OrgError("组织类型无效。")
    check_parent_kind(kind, parent)
    if parent is not None and any(child.name == name for child in parent.children):
        raise OrgError(f"“{parent.name}”下已有名为“{name}”的组织。")
    org = Organisation(name=name, kind=kind, parent=parent, sort_order=sort_order,
                       depth=(parent.depth + 1) if parent else 0)
    db.session.add(org)
    db.session.flush()  # the id is part of the path
    org.path = _path_for(org)
    audit("org.create", org, f"创建组织 {name}")
    return org


def rename_org(org, name):
    name = clean_line(name)
    if not name:
        raise OrgError("组织名称不能为空。")
    old = org.name
    org.name = name
    audit("org.rename", org, f"组织 {old} 更名为 {name}")


def subtree_query(org):
    return select(Organisation).where(subtree_filter(Organisation.path, org.path))


def subtree_ids(org):
    return list(db.session.scalars(
        select(Organisation.id).where(subtree_filter(Organisation.path, org.path))))


def move_org(org, new_parent):
    """Move a unit (with everything under it) below another unit, or to the top with None."""
    if new_parent is not None and new_parent.is_within(org):
        raise OrgError("不能把组织移动到它自己或它的下级组织之下。")
    check_parent_kind(org.kind, new_parent)
    old_path = org.path
    new_path = (new_parent.path if new_parent else "/") + f"{org.id}/"
    depth_delta = ((new_parent.depth + 1) if new_parent else 0) - org.depth
    db.session.flush()
    db.session.execute(
        update(Organisation)
        .where(subtree_filter(Organisation.path, old_path))
        .values(path=literal(new_path) + func.substr(Organisation.path, len(old_path) + 1),
                depth=Organisation.depth + depth_delta)
        .execution_options(synchronize_session=False))
    org.parent_id = new_parent.id if new_parent else None
    db.session.flush()
    db.session.expire_all()
    audit("org.move", org, f"移动组织 {org.name}",
          to=new_parent.name if new_parent else None)


# Tables that point at an organisation register here, so a merge carries them over.
MERGE_HOOKS = []


def merge_org(source, target):
    """Fold `source` into `target`: its members, child units and references move; it goes."""
    if source.id == target.id:
        raise OrgError("不能把组织合并到它自己。")
    if target.is_within(source):
        raise OrgError("不能把组织合并到它的下级组织。")
    for child in source.children:  # the children move under the target
        check_parent_kind(child.kind, target)
    for child in list(source.children):
        move_org(child, target)
    db.session.execute(update(User).where(User.org_id == source.id).values(org_id=target.id)
                       .execution_options(synchronize_session=False))
    for hook in MERGE_HOOKS:
        hook(source, target)
    audit("org.merge", target, f"组织 {source.name} 并入 {target.name}", source_id=source.id)
    db.session.expire_all()
    db.session.delete(db.session.get(Organisation, source.id))


def roots():
    return list(db.session.scalars(
        select(Organisation).where(Organisation.parent_id.is_(None))
        .order_by(Organisation.sort_order, Organisation.id)))


def flat_tree(root=None):
    """Units in tree order (depth-first), for indented lists and selects."""
    query = select(Organisation)
    if root is not None:
        query = query.where(subtree_filter(Organisation.path, root.path))
    units = list(db.session.scalars(query))
    by_parent = {}
    for unit in units:
        by_parent.setdefault(unit.parent_id, []).append(unit)
    for siblings in by_parent.values():
        siblings.sort(key=lambda u: (u.sort_order, u.id))
    top_parent = root.parent_id if root is not None else None
    ordered, stack = [], list(reversed(by_parent.get(top_parent, [])))
    if root is not None:
        stack = [root]
    while stack:
        unit = stack.pop()
        ordered.append(unit)
        stack.extend(reversed(by_parent.get(unit.id, [])))
    return ordered


def full_name(org):
    """“党委/第一党总支/第一党支部” — the form rosters use to name a unit unambiguously."""
    ids = [int(part) for part in org.path.strip("/").split("/") if part]
    names = dict(db.session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all())
    return "/".join(names.get(i, "?") for i in ids)


def find_by_label(label):
    """Resolve a unit from a roster cell: a unique name, or a slash-separated path of names.

    Returns (org, None) or (None, reason-in-Chinese).
    """
    label = (label or "").strip().replace("／", "/").replace("\\", "/")
    if not label:
        return None, "所属组织为空"
    parts = [p.strip() for p in label.split("/") if p.strip()]
    candidates = list(db.session.scalars(select(Organisation).where(
        Organisation.name == parts[-1])))
    if len(parts) > 1:
        candidates = [c for c in candidates if full_name(c).split("/")[-len(parts):] == parts]
    if not candidates:
        return None, f"找不到组织“{label}”"
    if len(candidates) > 1:
        return None, f"组织名称“{label}”不唯一，请写完整路径（如 党委/党总支/党支部）"
    return candidates[0], None
