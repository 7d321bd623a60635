"""Named predicates for courses and lessons (see mooc.core.permissions for the style).

Outsiders get 404 rather than 403 for courses they may not see, so a restricted or
unpublished course's existence is not revealed; views use `can_view_*` for that.
"""
from mooc.catalog.models import PUBLISHED
from mooc.catalog.visibility import audience_matches
from mooc.core.permissions import can_author_courses, is_admin


def is_course_owner(user, course):
    return bool(user and user.is_authenticated) and any(o.id == user.id for o in course.owners)


def can_edit_course(user, course):
    """Admins, and instructors listed as the course's owners."""
    return is_admin(user) or (can_author_courses(user) and is_course_owner(user, course))


def can_view_course(user, course):
    """Learners see published courses meant for them; editors also see drafts (preview)."""
    if course is None or not (user and user.is_authenticated):
        return False
    if can_edit_course(user, course):
        return True
    return course.status == PUBLISHED and audience_matches(user, course)


def can_view_lesson(user, lesson):
    if lesson is None or not can_view_course(user, lesson.course):
        return False
    return lesson.published or can_edit_course(user, lesson.course)


def can_enrol(user, course):
    """Enrolment and progress only in live courses (previews never record anything)."""
    return course.status == PUBLISHED and (audience_matches(user, course) or is_admin(user))


def can_view_stale_courses(user):
    return is_admin(user)
