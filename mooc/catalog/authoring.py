"""Authoring operations that combine a course change with its files (one call per view)."""
from sqlalchemy import select

from mooc.accounts.models import ADMIN, INSTRUCTOR, User
from mooc.catalog import media, services
from mooc.catalog.models import Course, course_owner
from mooc.core.permissions import is_admin
from mooc.extensions import db
from mooc.core.parsing import ascii_int


def save_course(actor, course=None, *, cover=None, remove_cover=False, slug=None, **fields):
    """Create (course=None) or update a course, then set or remove its cover image."""
    if course is None:
        course = services.create_course(actor, slug=slug, **fields)
    else:
        services.update_course(course, actor, **fields)
    if cover is not None and getattr(cover, "filename", None):
        media.set_cover(course, actor, cover)
    elif remove_cover and course.cover_key:
        media.remove_cover(course, actor)
    return course


def author_course_query(user):
    """The courses a user may edit: all for admins, owned ones for instructors."""
    query = select(Course).order_by(Course.updated_at.desc(), Course.id.desc())
    if not is_admin(user):
        query = query.join(course_owner, course_owner.c.course_id == Course.id) \
            .where(course_owner.c.user_id == user.id)
    return query


def owner_candidates():
    return list(db.session.scalars(select(User).where(User.role.in_((INSTRUCTOR, ADMIN)),
                                                      User.active.is_(True))
                                   .order_by(User.role, User.name)))


def users_by_ids(ids):
    ids = [n for n in (ascii_int(str(i)) for i in ids) if n is not None]
    return list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
