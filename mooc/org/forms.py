from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from mooc.core.forms import Form, options
from mooc.org.models import ORG_KINDS


def unit_choices(units, blank=None):
    choices = [("", blank)] if blank is not None else []
    return options(choices + [(u.id, "　" * u.depth + u.name) for u in units])


class CreateOrgForm(Form):
    name = StringField(_l("名称"), validators=[DataRequired(_l("请输入名称")), Length(max=100)])
    kind = SelectField(_l("类型"), choices=options(ORG_KINDS.items()))
    parent = SelectField(_l("上级组织"), choices=[])


class RenameOrgForm(Form):
    name = StringField(_l("新名称"), validators=[DataRequired(_l("请输入名称")), Length(max=100)])


class MoveOrgForm(Form):
    parent = SelectField(_l("移动到"), choices=[])


class MergeOrgForm(Form):
    target = SelectField(_l("并入"), choices=[], validators=[DataRequired(_l("请选择目标组织"))])
