"""Dashboard forms. Filters are read from the query string (GET changes nothing, so no
CSRF token); the services clean every value, so a bad one is dropped, never a 500."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField

from mooc.accounts.models import CATEGORIES
from mooc.core.forms import Form, options

STATUS_LABELS = {"not_started": _l("未开始"), "in_progress": _l("学习中"),
                 "completed": _l("已完成"), "overdue": _l("已逾期"), "none": _l("无必修")}
SORT_LABELS = {"unit": _l("按组织"), "name": _l("按姓名"), "hours": _l("按学时"),
               "progress": _l("按完成比例"), "overdue": _l("按逾期数")}


class _GetForm(Form):
    class Meta:
        csrf = False


def unit_options(units, root_depth, blank):
    return options([("", blank)] + [(u.id, "　" * (u.depth - root_depth) + u.name)
                                    for u in units])


def course_options(courses, blank):
    return options([("", blank)] + [(c.id, c.title) for c in courses])


class OverviewFilterForm(_GetForm):
    unit = SelectField(_l("组织"), choices=[])
    course = SelectField(_l("必修课程"), choices=[])


class MemberFilterForm(_GetForm):
    unit = SelectField(_l("组织"), choices=[])
    category = SelectField(_l("政治面貌"), choices=options(
        [("", _l("全部政治面貌"))] + list(CATEGORIES.items())))
    course = SelectField(_l("必修课程"), choices=[])
    status = SelectField(_l("状态"), choices=options(
        [("", _l("全部状态"))] + list(STATUS_LABELS.items())))
    sort = SelectField(_l("排序"), choices=options(SORT_LABELS.items()))
    dir = SelectField(_l("顺序"), choices=options([("", _l("升序")), ("desc", _l("降序"))]))


class ExportForm(Form):
    """The export buttons post the current view's filters back (a large export starts a job)."""
    view = HiddenField()
    fmt = HiddenField()
    unit = HiddenField()
    category = HiddenField()
    course = HiddenField()
    status = HiddenField()
    sort = HiddenField()
    dir = HiddenField()
