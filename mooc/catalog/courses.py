"""Course rules: creating, changing, publishing and deleting courses; stale courses.

Plain functions; the caller commits. Every content change records who/when and bumps
`course.content_updated_at` (stale-course checks); publishing, unpublishing and
deleting are audited. Callers use mooc.catalog.services, which re-exports this.

Package import calls `upsert_course` with the course's stable slug: the course with
that slug is updated in place (its id, and learners' progress, stay), otherwise created.
"""
import calendar
import re
import secrets

from pypinyin import Style, lazy_pinyin

from sqlalchemy import delete, exists, func, select, update

from mooc.accounts.models import ADMIN, CATEGORIES, INSTRUCTOR
from mooc.catalog.models import (COURSE_CATEGORIES, COURSE_TYPES, DRAFT, ELECTIVE, OPEN, PUBLISHED,
                                 SLUG_PATTERN, VISIBILITIES, Course, CourseAudienceCategory,
                                 Enrollment, Lesson, course_org)
from mooc.core.models import utcnow
from mooc.core.permissions import can_author_courses
from mooc.core.services import audit
from mooc.core.textnorm import clean_pasted_text
from mooc.extensions import db
from mooc.org import services as org_services
from mooc.progress.models import LessonProgress
from mooc.core.textclean import clean_line

SLUG_RE = re.compile(SLUG_PATTERN)
COURSE_FIELDS = ("title", "summary", "category", "course_type", "credit_hours", "visibility",
                 "orgs", "categories", "owners", "no_skip_ahead")
CONTENT_FIELDS = {"title", "summary"}  # what learners read; visibility etc. is not content


class CatalogError(ValueError):
    """A rule was broken; the message is for the user, in Chinese."""


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def touch(course, actor, *, content=True):
    """Who changed the course and when; `content` also marks it as freshly maintained."""
    now = utcnow()
    course.updated_at = now
    course.updated_by_id = getattr(actor, "id", None)
    if content:
        course.content_updated_at = now


def _slug_base(text, fallback):
    """A readable slug from a Chinese title: its pinyin (学习党章 → xue-xi-dang-zhang)."""
    latin = "-".join(lazy_pinyin(text or "", style=Style.NORMAL, errors="default"))
    base = re.sub(r"[^a-z0-9]+", "-", latin.lower()).strip("-")[:60].strip("-")
    return base or fallback


slug_from_title = _slug_base


def check_slug(slug):
    if not SLUG_RE.match(slug or ""):
        raise CatalogError("标识只能使用小写字母、数字和连字符（-），且不能以连字符开头或结尾，"
                           "最长 80 个字符。")
    return slug


def unique_slug(slug, taken):
    """`slug` as given when free; a generated one gets a short random suffix."""
    candidate = slug
    while taken(candidate):
        candidate = f"{slug[:72]}-{secrets.token_hex(3)}"
    return candidate


def clean_title(title):
    title = clean_line(title)
    if not title:
        raise CatalogError("标题不能为空。")
    if len(title) > 200:
        raise CatalogError("标题不能超过 200 个字符。")
    return title


def renumber(items):
    for position, item in enumerate(items):
        item.position = position


def move_in_list(items, item, direction):
    """Swap `item` with its neighbour; returns False at either end."""
    items = list(items)
    index = items.index(item)
    other = index + (-1 if direction == "up" else 1)
    if direction not in ("up", "down") or not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    renumber(items)
    return True


# --------------------------------------------------------------------------
# Courses
# --------------------------------------------------------------------------

def _clean_course_fields(fields, actor, course=None):
    clean = {}
    if "title" in fields:
        clean["title"] = clean_title(fields["title"])
    if "summary" in fields:
        summary = clean_pasted_text(fields["summary"] or "").strip()
        if len(summary) > 5000:
            raise CatalogError("课程简介不能超过 5000 个字符。")
        clean["summary"] = summary
    if "category" in fields:
        if fields["category"] not in COURSE_CATEGORIES:
            raise CatalogError("课程分类无效。")
        clean["category"] = fields["category"]
    if "course_type" in fields:
        if fields["course_type"] not in COURSE_TYPES:
            raise CatalogError("课程类型只能是必修或选修。")
        clean["course_type"] = fields["course_type"]
    if "credit_hours" in fields:
        try:
            hours = float(fields["credit_hours"])
        except (TypeError, ValueError):
            raise CatalogError("学时必须是数字。")
        if not 0 <= hours <= 100:  # also refuses NaN and infinity
            raise CatalogError("学时应在 0 到 100 之间。")
        clean["credit_hours"] = round(hours, 2)
    if "no_skip_ahead" in fields:
        clean["no_skip_ahead"] = bool(fields["no_skip_ahead"])
    visibility = fields.get("visibility", course.visibility if course else OPEN)
    if visibility not in VISIBILITIES:
        raise CatalogError("可见范围无效。")
    if {"visibility", "orgs", "categories"} & fields.keys():
        orgs = list(fields.get("orgs", course.orgs if course else []) or [])
        categories = sorted(set(fields.get("categories",
                                           course.audience_categories if course else []) or []))
        if any(c not in CATEGORIES for c in categories):
            raise CatalogError("政治面貌无效。")
        if visibility == OPEN:
            orgs, categories = [], []  # an open course has no audience lists to go stale
        elif not orgs and not categories:
            raise CatalogError("限定范围的课程至少要选择一个组织或一种政治面貌。")
        clean.update(visibility=visibility, orgs=orgs, categories=categories)
    if "owners" in fields:
        owners = list({u.id: u for u in fields["owners"] or []}.values())
        if any(u.role not in (INSTRUCTOR, ADMIN) or not u.active for u in owners):
            raise CatalogError("课程负责人只能是在职的讲师或管理员。")
        if not owners and actor is not None:
            # A teacher saving a course without owners would lose it (404) at once.
            raise CatalogError("课程至少要有一位负责人。")
        if course is not None and actor is not None and actor.role != ADMIN \
                and any(o.id == actor.id for o in course.owners) \
                and all(o.id != actor.id for o in owners):
            raise CatalogError("不能把自己从课程负责人中移除（请联系管理员）。")
        clean["owners"] = owners
    return clean


def _apply_course_fields(course, clean):
    for key, value in clean.items():
        if key == "categories":
            course.audience = [CourseAudienceCategory(category=c) for c in value]
        else:
            setattr(course, key, value)


def create_course(actor, *, title, slug=None, **fields):
    unknown = set(fields) - set(COURSE_FIELDS)
    if unknown:
        raise TypeError(f"unknown course fields: {sorted(unknown)}")
    if slug:
        slug = check_slug(slug.strip())
        if course_by_slug(slug) is not None:
            raise CatalogError(f"标识“{slug}”已被其他课程使用。")
    else:
        slug = unique_slug(_slug_base(title, "course"),
                            lambda s: course_by_slug(s) is not None)
    fields.setdefault("owners", [actor] if can_author_courses(actor) else [])
    fields.setdefault("visibility", OPEN)
    clean = _clean_course_fields({"title": title, **fields}, actor)
    course = Course(slug=slug, status=DRAFT, created_by_id=getattr(actor, "id", None),
                    category="other", course_type=ELECTIVE)
    _apply_course_fields(course, clean)
    touch(course, actor)
    db.session.add(course)
    db.session.flush()
    audit("course.create", course, f"创建课程 {course.title}", actor=actor, slug=slug)
    return course


def update_course(course, actor, **fields):
    unknown = set(fields) - set(COURSE_FIELDS)
    if unknown:
        raise TypeError(f"unknown course fields: {sorted(unknown)}")
    clean = _clean_course_fields(fields, actor, course)
    content_changed = any(getattr(course, k) != v for k, v in clean.items()
                          if k in CONTENT_FIELDS)
    _apply_course_fields(course, clean)
    touch(course, actor, content=content_changed)
    audit("course.update", course, f"修改课程 {course.title}", actor=actor, fields=sorted(clean))
    return course


def course_by_slug(slug):
    return db.session.scalar(select(Course).where(Course.slug == slug))


def _same_value(current, wanted):
    if isinstance(wanted, list):  # orgs, owners (rows) and categories (codes): order-free
        key = lambda item: getattr(item, "id", item)  # noqa: E731
        return sorted(map(key, current), key=str) == sorted(map(key, wanted), key=str)
    return current == wanted


def course_changes(course, actor, **fields):
    """The subset of `fields` that would change `course` (checked as update_course would)."""
    clean = _clean_course_fields(fields, actor, course)
    current = {key: course.audience_categories if key == "categories" else getattr(course, key)
               for key in clean}
    return {key: fields.get(key, value) for key, value in clean.items()
            if not _same_value(current[key], value)}


def sync_course(slug, actor, **fields):
    """(course, created, changed): like upsert_course, but an update that changes
    nothing leaves the course untouched (a re-imported package must not look fresh)."""
    course = course_by_slug(check_slug(slug))
    if course is None:
        return create_course(actor, slug=slug, **fields), True, True
    changes = course_changes(course, actor, **fields)
    if changes:
        update_course(course, actor, **changes)
    return course, False, bool(changes)


def upsert_course(slug, actor, **fields):
    """(course, created): the course with this slug updated in place, or a new one."""
    course, created, _changed = sync_course(slug, actor, **fields)
    return course, created


def publish_course(course, actor):
    if not any(lesson.published for lesson in course.lessons):
        raise CatalogError("课程至少需要一个已发布的课时才能发布。")
    if course.status != PUBLISHED:
        course.status = PUBLISHED
        course.published_at = utcnow()
        touch(course, actor, content=False)
        audit("course.publish", course, f"发布课程 {course.title}", actor=actor)


def unpublish_course(course, actor):
    if course.status != DRAFT:
        course.status = DRAFT
        touch(course, actor, content=False)
        audit("course.unpublish", course, f"下线课程 {course.title}", actor=actor)


def has_learners(course):
    return bool(db.session.scalar(select(
        exists().where(Enrollment.course_id == course.id)
        | exists().where(LessonProgress.course_id == course.id))))


def delete_course(course, actor):
    """Only courses nobody has studied: learners' records are never thrown away here."""
    if course.status == PUBLISHED:
        raise CatalogError("请先下线课程再删除。")
    if has_learners(course):
        raise CatalogError("已有学员报名或学习过本课程，不能删除；如不再使用，请保持下线状态。")
    audit("course.delete", course, f"删除课程 {course.title}", actor=actor, slug=course.slug)
    db.session.delete(course)


def stale_courses(months, now=None):
    """Published courses whose content has not changed for `months` calendar months."""
    now = now or utcnow()
    year, month0 = divmod(now.year * 12 + now.month - 1 - int(months), 12)
    day = min(now.day, calendar.monthrange(year, month0 + 1)[1])  # 31 March - 1 → 28/29 Feb
    cutoff = now.replace(year=year, month=month0 + 1, day=day)
    return list(db.session.scalars(
        select(Course).where(Course.status == PUBLISHED, Course.content_updated_at < cutoff)
        .order_by(Course.content_updated_at, Course.id))), cutoff


def _move_course_orgs(source, target):
    """Organisation merge hook: courses aimed at the old unit now aim at the new one."""
    already = select(course_org.c.course_id).where(course_org.c.org_id == target.id)
    db.session.execute(delete(course_org).where(course_org.c.org_id == source.id,
                                                course_org.c.course_id.in_(already)))
    db.session.execute(update(course_org).where(course_org.c.org_id == source.id)
                       .values(org_id=target.id))


if _move_course_orgs not in org_services.MERGE_HOOKS:
    org_services.MERGE_HOOKS.append(_move_course_orgs)


def course_counts():
    """{course_id: number of lessons} for lists."""
    return dict(db.session.execute(
        select(Lesson.course_id, func.count(Lesson.id)).group_by(Lesson.course_id)).all())
