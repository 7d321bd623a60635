"""Forms for "我的学习" and the study-hour requirement settings."""
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from mooc.core.forms import Form
from mooc.progress.hours import MAX_HOURS, rules


class ActionForm(Form):
    """A button that only needs its CSRF token."""


def field_name(key):
    """"category:full_member" → "category__full_member" (a valid form field name)."""
    return key.replace(":", "__")


def requirements_form(values, formdata=None):
    """One number field per requirement rule, filled with the current values."""

    class RequirementsForm(Form):
        def values(self):
            return {rule.key: float(self[field_name(rule.key)].data) for rule in rules()}

    for rule in rules():
        setattr(RequirementsForm, field_name(rule.key), DecimalField(
            rule.label, places=1, validators=[
                InputRequired(_l("请填写学时")),
                NumberRange(min=0, max=MAX_HOURS, message=_l("学时要求必须在 0 到 1000 之间"))]))
    data = {field_name(key): hours for key, hours in values.items()}
    if formdata is None:
        return RequirementsForm(data=data)
    return RequirementsForm(formdata=formdata)


class CommitteeMemberForm(Form):
    username = StringField(_l("账号"), validators=[DataRequired(_l("请输入账号")),
                                                   Length(max=64)])
