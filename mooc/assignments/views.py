"""Required-course screens (learners' 我的必修课, leads' assignments) and the 通知 inbox."""
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mooc.assignments import audience, notifications, services
from mooc.assignments.forms import ActionForm, AssignmentForm, ConfirmDeleteForm, RemindForm
from mooc.assignments.models import Assignment, Notification
from mooc.assignments.permissions import (can_assign, can_manage_assignment, can_see_assignment,
                                          reminder_scope)
from mooc.catalog.models import Course
from mooc.core.forms import options
from mooc.core.pagination import paginate
from mooc.core.permissions import can_view_org, is_admin, require
from mooc.core.urls import safe_next
from mooc.dashboard.queries import assignment_progress
from mooc.dashboard.scope import parse_id
from mooc.extensions import db
from mooc.org import services as org_services
from mooc.org.models import Organisation

bp = Blueprint("assignments", __name__)

PER_PAGE = 30


@bp.app_context_processor
def notification_badge():
    # A callable: the count query runs only where base.html draws the menu.
    return {"unread_notifications": lambda: notifications.unread_count(current_user)}


def _assignment_or_404(assignment_id):
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or not can_see_assignment(current_user, assignment):
        abort(404)
    return assignment


def _progress_by_assignment(viewer, assignments, on):
    """{assignment_id: (members, completed, overdue)} inside the viewer's subtree, one query."""
    return assignment_progress(assignments, reminder_scope(viewer), on)


@bp.route("/assignments/")
@login_required
def index():
    on = audience.today()
    required = services.required_for(current_user, on=on)
    managed, stats, assigner = [], {}, can_assign(current_user)
    if assigner:
        managed = services.assignments_for(current_user)
        stats = _progress_by_assignment(current_user, managed, on)
    return render_template("assignments/index.html", required=required, managed=managed,
                           stats=stats, today=on, assigner=assigner,
                           can_manage=lambda a: can_manage_assignment(current_user, a),
                           describe=services.describe)


def _fill_choices(form):
    root = None if is_admin(current_user) else current_user.org
    units = org_services.flat_tree(root)
    base = root.depth if root else 0
    choices = [("", _("全部组织（全站）"))] if is_admin(current_user) else []
    form.org.choices = options(choices + [(u.id, "　" * (u.depth - base) + u.name)
                                          for u in units])
    form.course.choices = options([("", _("请选择课程"))] + [
        (c.id, c.title) for c in services.published_courses()])


def _form_values(form):
    course = db.session.get(Course, int(form.course.data)) if form.course.data else None
    org = db.session.get(Organisation, int(form.org.data)) if form.org.data else None
    return dict(course=course, org=org, categories=form.categories.data or [],
                starts_on=form.starts_on.data, due_on=form.due_on.data, note=form.note.data)


@bp.route("/assignments/new", methods=["GET", "POST"])
@require(can_assign)
def create():
    form = AssignmentForm()
    _fill_choices(form)
    if request.method == "GET":
        form.starts_on.data = audience.today()
        form.due_on.data = audience.today() + timedelta(days=30)
        if not is_admin(current_user):
            form.org.data = str(current_user.org.id)
    if form.validate_on_submit():
        try:
            assignment = services.create_assignment(current_user, **_form_values(form))
        except services.AssignmentError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("已设置必修课程：%(title)s", title=assignment.course.title), "success")
            return redirect(url_for("assignments.index"))
    return render_template("assignments/form.html", form=form, assignment=None)


@bp.route("/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
@require(can_assign)
def edit(assignment_id):
    assignment = _assignment_or_404(assignment_id)
    if not can_manage_assignment(current_user, assignment):
        abort(403)
    form = AssignmentForm()
    _fill_choices(form)
    if request.method == "GET":
        form.course.data = str(assignment.course_id)
        form.org.data = str(assignment.org_id or "")
        form.categories.data = assignment.category_list
        form.starts_on.data, form.due_on.data = assignment.starts_on, assignment.due_on
        form.note.data = assignment.note
    if form.validate_on_submit():
        try:
            services.update_assignment(current_user, assignment, **_form_values(form))
        except services.AssignmentError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("已保存。"), "success")
            return redirect(url_for("assignments.index"))
    return render_template("assignments/form.html", form=form, assignment=assignment,
                           delete_form=ConfirmDeleteForm(prefix="delete"))


@bp.route("/assignments/<int:assignment_id>/delete", methods=["POST"])
@require(can_assign)
def delete(assignment_id):
    assignment = _assignment_or_404(assignment_id)
    if not can_manage_assignment(current_user, assignment):
        abort(403)
    form = ConfirmDeleteForm(prefix="delete")
    if not form.validate_on_submit():
        flash(_("请勾选确认后再取消这项必修安排。"), "error")
        return redirect(url_for("assignments.edit", assignment_id=assignment.id))
    title = assignment.course.title
    services.delete_assignment(current_user, assignment)
    db.session.commit()
    flash(_("已取消必修安排：%(title)s", title=title), "success")
    return redirect(url_for("assignments.index"))


def _remind_unit(form):
    """The unit a reminder is narrowed to: inside the lead's subtree, else none (ignored)."""
    unit_id = parse_id(form.unit.data)
    if unit_id is None:
        return None
    unit = db.session.get(Organisation, unit_id)
    return unit if unit is not None and can_view_org(current_user, unit) else None


def _after_remind(count):
    db.session.commit()
    notifications.queue_emails()
    if count:
        flash(_("已向 %(n)s 位未完成的成员发送提醒。", n=count), "success")
    else:
        flash(_("没有需要提醒的成员（已完成或今天已提醒过）。"), "info")
    return redirect(safe_next(request.form.get("back"), "assignments.index"))


@bp.route("/assignments/<int:assignment_id>/remind", methods=["POST"])
@require(can_assign)
def remind(assignment_id):
    assignment = _assignment_or_404(assignment_id)
    form = RemindForm()
    if not form.validate_on_submit():
        abort(400)
    return _after_remind(notifications.remind_behind(current_user, assignment,
                                                     unit=_remind_unit(form)))


@bp.route("/assignments/remind", methods=["POST"])
@require(can_assign)
def remind_all():
    form = RemindForm()
    if not form.validate_on_submit():
        abort(400)
    return _after_remind(notifications.remind_behind(current_user, unit=_remind_unit(form)))


# ---- 通知 --------------------------------------------------------------------------------

@bp.route("/notifications")
@login_required
def inbox():
    page = paginate(notifications.inbox_query(current_user), per_page=PER_PAGE)
    return render_template("assignments/notifications.html", page=page,
                           action_form=ActionForm())


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id):
    item = db.session.get(Notification, notification_id)
    if item is None or item.user_id != current_user.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    notifications.mark_read(current_user, item)
    db.session.commit()
    if request.form.get("open") and item.link:
        return redirect(safe_next(item.link, "assignments.inbox"))
    return redirect(url_for("assignments.inbox"))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all():
    if not ActionForm().validate_on_submit():
        abort(400)
    notifications.mark_all_read(current_user)
    db.session.commit()
    flash(_("已全部标为已读。"), "success")
    return redirect(url_for("assignments.inbox"))
