""""我的学习" (every learner's home) and the admins' study-hour requirement settings."""
from datetime import date, datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from mooc.core import calendar
from mooc.core.models import utcnow
from mooc.core.permissions import require
from mooc.core.registry import contributions
from mooc.core.views_support import commit_or_flash
from mooc.progress import hours, services
from mooc.progress.forms import ActionForm, CommitteeMemberForm, requirements_form
from mooc.progress.permissions import can_set_requirements

bp = Blueprint("progress", __name__)

MIN_YEAR, MAX_YEAR = 2000, 2100




@bp.app_template_filter("hours")
def hours_filter(value):
    return hours.format_hours(value)


def due_items(user, completed_ids):
    """[(course, due_date, overdue, done)] from every registered source, soonest first.

    Features that set due dates for courses (required-course assignments) add a source
    in their register(app): user → [(course, due_date, overdue)]. A source that fails
    is skipped, not a 500."""
    items = []
    for source in contributions().due_sources:
        try:
            found = source(user) or []
        except Exception:  # another feature's bug must not take the learner's home down
            current_app.logger.exception("due-date source %r failed", source)
            continue
        for course, due, overdue in found:
            if isinstance(due, datetime):
                due = due.date()  # the page counts whole days
            items.append((course, due, bool(overdue), course.id in completed_ids))
    return sorted(items, key=lambda item: (item[3], item[1] or date.max))


@bp.route("/me/learning")
@login_required
def my_learning():
    this_year = calendar.current_year()
    year = request.args.get("year", this_year, type=int)
    if not MIN_YEAR <= year <= MAX_YEAR:
        year = this_year
    overview = services.learning_overview(current_user, year)
    completed_ids = {line.course.id for line in overview.completed}
    return render_template("progress/my_learning.html", overview=overview, year=year,
                           this_year=this_year, due=due_items(current_user, completed_ids),
                           today=calendar.local_date(utcnow()))


@bp.route("/admin/hours", methods=["GET", "POST"])
@require(can_set_requirements)
def requirements():
    form = requirements_form(hours.requirement_rules())
    if form.validate_on_submit():
        with commit_or_flash(hours.RequirementError) as outcome:
            changed = hours.save_requirements(form.values(), current_user)
        if outcome.ok:
            flash(_("已保存学时要求。") if changed else _("学时要求没有变化。"), "success")
            return redirect(url_for("progress.requirements"))
    return render_template("progress/requirements.html", form=form, rules=hours.rules(),
                           field_name=lambda key: key.replace(":", "__"),
                           members=hours.committee_members(),
                           member_form=CommitteeMemberForm(prefix="member"),
                           action_form=ActionForm())


@bp.route("/admin/hours/committee", methods=["POST"])
@require(can_set_requirements)
def add_committee_member():
    form = CommitteeMemberForm(prefix="member")
    if not form.validate_on_submit():
        flash(_("请输入要加入党委委员名单的账号。"), "error")
        return redirect(url_for("progress.requirements"))
    with commit_or_flash(hours.RequirementError) as outcome:
        user = hours.add_committee_member(form.username.data, current_user)
    if outcome.ok:
        flash(_("已将 %(name)s 加入党委委员名单。", name=user.name), "success")
    return redirect(url_for("progress.requirements"))


@bp.route("/admin/hours/committee/<int:user_id>/remove", methods=["POST"])
@require(can_set_requirements)
def remove_committee_member(user_id):
    if not ActionForm().validate_on_submit():
        abort(400)
    with commit_or_flash(hours.RequirementError) as outcome:
        user = hours.remove_committee_member(user_id, current_user)
    if outcome.ok:
        flash(_("已将 %(name)s 移出党委委员名单。", name=user.name), "success")
    return redirect(url_for("progress.requirements"))
