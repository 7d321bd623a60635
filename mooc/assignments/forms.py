"""Forms for assigning required courses and for the buttons that post."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from mooc.accounts.models import CATEGORIES
from mooc.catalog.forms import MultiCheckboxField
from mooc.core.forms import Form, options


class AssignmentForm(Form):
    course = SelectField(_l("课程"), choices=[], validators=[DataRequired(_l("请选择课程"))])
    org = SelectField(_l("面向组织（含下级组织）"), choices=[])
    categories = MultiCheckboxField(_l("面向政治面貌（不选则为全部）"),
                                    choices=options(CATEGORIES.items()))
    starts_on = DateField(_l("开始日期"), validators=[InputRequired(_l("请填写开始日期"))])
    due_on = DateField(_l("截止日期"), validators=[InputRequired(_l("请填写截止日期"))])
    note = TextAreaField(_l("说明（可选）"), validators=[Optional(), Length(max=2000)])

    def validate_due_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("截止日期不能早于开始日期"))


class ConfirmDeleteForm(Form):
    confirm = BooleanField(_l("确认取消这项必修安排"),
                           validators=[DataRequired(_l("请勾选确认"))])


class RemindForm(Form):
    """The lead's one-click reminder; `unit` narrows it inside their subtree."""
    unit = HiddenField()


class ActionForm(Form):
    """Buttons that change state post this for the CSRF token."""
