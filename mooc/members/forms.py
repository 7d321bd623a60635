"""Forms for the scoped member pages and 忘记密码."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from mooc.accounts.models import CATEGORIES
from mooc.accounts.services import USERNAME_RE
from mooc.core.forms import Form, options

CATEGORY_OPTIONS = options(CATEGORIES.items())


class MemberFilterForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("姓名、账号、手机或邮箱"), validators=[Optional(), Length(max=64)])
    org = SelectField(_l("组织"), choices=[])
    category = SelectField(_l("政治面貌"),
                           choices=options([("", _l("全部政治面貌"))]) + CATEGORY_OPTIONS)
    active = SelectField(_l("状态"), choices=options([("", _l("全部状态")), ("1", _l("正常")),
                                                     ("0", _l("已停用"))]))

    def filters(self):
        self.validate()
        return {name: f.data for name, f in self._fields.items() if f.data and not f.errors}


class MemberForm(Form):
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请输入姓名")), Length(max=64)])
    # Checked by the service (a Chinese message, and the scope rule in one place).
    org = SelectField(_l("所属组织（党支部或党小组）"), choices=[], validate_choice=False)
    phone = StringField(_l("手机号"), validators=[Optional(), Length(max=20)])
    email = StringField(_l("电子邮箱"), validators=[Optional(), Length(max=254)])
    joined_party_on = DateField(_l("入党日期"), validators=[Optional()])
    full_member_on = DateField(_l("转正日期"), validators=[Optional()])


class NewMemberForm(MemberForm):
    username = StringField(_l("账号"), validators=[
        DataRequired(_l("请输入账号")),
        Regexp(USERNAME_RE, message=_l("账号只能使用 2–64 位字母、数字或 _ . @ -"))])
    category = SelectField(_l("政治面貌"), choices=CATEGORY_OPTIONS)


class CategoryForm(Form):
    category = SelectField(_l("新的政治面貌"), choices=CATEGORY_OPTIONS)
    effective_on = DateField(_l("日期"), validators=[DataRequired(_l("请填写日期"))])


class TransferForm(Form):
    to_org = SelectField(_l("转入组织"), choices=[], validate_choice=False)
    note = StringField(_l("备注"), validators=[Optional(), Length(max=500)])


class ForgotPasswordForm(Form):
    username = StringField(_l("账号或电子邮箱"),
                           validators=[DataRequired(_l("请输入账号或电子邮箱")), Length(max=254)])


class ResetPasswordForm(Form):
    password = PasswordField(_l("新密码"), validators=[DataRequired(_l("请输入新密码")),
                                                      Length(max=128)])
    confirm = PasswordField(_l("再次输入新密码"), validators=[DataRequired(_l("请再次输入"))])


class TokenForm(Form):
    token = HiddenField(validators=[DataRequired()])
