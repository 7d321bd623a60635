"""Forms for the user admin screens and the roster import."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from mooc.accounts.models import CATEGORIES, ROLES
from mooc.accounts.services import USERNAME_RE
from mooc.core.forms import Form, options

ROLE_OPTIONS = options(ROLES.items())
CATEGORY_OPTIONS = options(CATEGORIES.items())
ACTIVE_OPTIONS = options([("", _l("全部状态")), ("1", _l("正常")), ("0", _l("已停用"))])


class UserFilterForm(Form):
    """The list's search bar: read from the query string, so no CSRF token (GET changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("姓名或账号"), validators=[Optional(), Length(max=64)])
    org = SelectField(_l("组织"), choices=[])
    role = SelectField(_l("角色"), choices=options([("", _l("全部角色"))]) + ROLE_OPTIONS)
    category = SelectField(_l("政治面貌"),
                           choices=options([("", _l("全部政治面貌"))]) + CATEGORY_OPTIONS)
    active = SelectField(_l("状态"), choices=ACTIVE_OPTIONS)

    def filters(self):
        """The valid, non-empty filters; an unknown value is ignored rather than an error."""
        self.validate()
        return {name: f.data for name, f in self._fields.items()
                if f.data and not f.errors}


class UserDetailsForm(Form):
    """What an admin may change on an existing account (账号 itself never changes)."""

    name = StringField(_l("姓名"), validators=[DataRequired(_l("请输入姓名")), Length(max=64)])
    role = SelectField(_l("角色"), choices=ROLE_OPTIONS)
    category = SelectField(_l("政治面貌"), choices=CATEGORY_OPTIONS)
    org = SelectField(_l("所属组织"), choices=[])
    phone = StringField(_l("手机号"), validators=[Optional(), Length(max=20)])


class CreateUserForm(UserDetailsForm):
    username = StringField(_l("账号"), validators=[
        DataRequired(_l("请输入账号")),
        Regexp(USERNAME_RE, message=_l("账号只能使用 2–64 位字母、数字或 _ . @ -"))])
    password = PasswordField(_l("初始密码"), validators=[
        DataRequired(_l("请输入初始密码")), Length(min=8, max=128, message=_l("初始密码至少 8 个字符"))])


class ActionForm(Form):
    """An empty form: buttons that change state post it for the CSRF token."""


class RosterUploadForm(Form):
    file = FileField(_l("名册文件（.xlsx 或 .csv）"),
                     validators=[FileRequired(_l("请选择要导入的名册文件"))])


class RosterConfirmForm(Form):
    token = HiddenField(validators=[DataRequired()])
