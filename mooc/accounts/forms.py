from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from mooc.core.forms import Form


class LoginForm(Form):
    username = StringField(_l("账号"), validators=[DataRequired(_l("请输入账号")), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码")),
                                                     Length(max=128)])
    remember = BooleanField(_l("在这台设备上保持登录"))


class ChangePasswordForm(Form):
    old_password = PasswordField(_l("原密码"), validators=[DataRequired(_l("请输入原密码"))])
    new_password = PasswordField(_l("新密码"), validators=[
        DataRequired(_l("请输入新密码")), Length(min=8, max=128, message=_l("新密码至少 8 个字符"))])
    confirm = PasswordField(_l("再次输入新密码"), validators=[
        DataRequired(_l("请再次输入新密码")),
        EqualTo("new_password", message=_l("两次输入的新密码不一致"))])
