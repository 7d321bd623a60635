"""Who may see a published course: the audience rule, in Python and in SQL.

A course is either open to every signed-in user or restricted. A restricted course
lists organisation subtrees and/or member categories (政治面貌), and a user sees it when

    (no unit chosen  OR  the user's unit lies within one of the chosen units)
AND (no category chosen  OR  the user's category is one of the chosen categories)

— each list narrows the audience, as in Moodle/edX audience lists: "预备党员 of 第一
党总支" is both lists set. A restricted course with neither list is seen by nobody
but its owners and admins (the services refuse to save one).

`audience_matches` (one course, Python) and `visible_condition` (SQL, for the
catalogue and search) must agree; tests check both against the same matrix.
"""
from sqlalchemy import and_, exists, false, or_, select, true

from mooc.catalog.models import (OPEN, PUBLISHED, RESTRICTED, Course, CourseAudienceCategory,
                                 course_org)
from mooc.core.permissions import is_admin


def org_ancestor_ids(user):
    """The user's unit and every unit above it, read from its materialised path."""
    org = getattr(user, "org", None)
    if org is None or not org.path:
        return []
    return [int(part) for part in org.path.strip("/").split("/") if part.isdigit()]


def audience_matches(user, course):
    if not (user and user.is_authenticated):
        return False
    if course.visibility == OPEN:
        return True
    if course.visibility != RESTRICTED:
        return False
    org_ids = {org.id for org in course.orgs}
    categories = set(course.audience_categories)
    if not org_ids and not categories:
        return False
    if org_ids and not org_ids.intersection(org_ancestor_ids(user)):
        return False
    return not categories or user.category in categories


def audience_condition(user):
    """SQL: the published-course audience rule above, for `Course` rows."""
    if not (user and user.is_authenticated):
        return false()
    if is_admin(user):
        return true()
    # correlate(Course) only: the catalogue's own queries may join course_org as well.
    has_org = exists().where(course_org.c.course_id == Course.id).correlate(Course)
    org_match = exists().where(course_org.c.course_id == Course.id,
                               course_org.c.org_id.in_(org_ancestor_ids(user) or [-1])) \
        .correlate(Course)
    has_category = exists().where(CourseAudienceCategory.course_id == Course.id) \
        .correlate(Course)
    category_match = exists().where(CourseAudienceCategory.course_id == Course.id,
                                    CourseAudienceCategory.category == user.category) \
        .correlate(Course)
    restricted = and_(Course.visibility == RESTRICTED, or_(has_org, has_category),
                      or_(~has_org, org_match), or_(~has_category, category_match))
    return or_(Course.visibility == OPEN, restricted)


def visible_condition(user):
    """SQL: courses `user` may find as a learner (admins: every published course)."""
    return and_(Course.status == PUBLISHED, audience_condition(user))


def visible_courses_query(user):
    return select(Course).where(visible_condition(user))


def visible_course_ids_query(user):
    """For search: `allowed_course_ids` as a subquery."""
    return select(Course.id).where(visible_condition(user))
