"""Forms for the catalogue and the authoring screens."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (BooleanField, DecimalField, HiddenField, IntegerField, RadioField,
                     SelectField, SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from mooc.core.forms import Form, options
from mooc.accounts.models import CATEGORIES
from mooc.catalog import kinds
from mooc.catalog.models import COURSE_CATEGORIES, COURSE_TYPES, SLUG_PATTERN, VISIBILITIES

SLUG_HELP = _l("用于课程包导入导出的英文标识（小写字母、数字、连字符）；留空自动生成。")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CatalogueFilterForm(Form):
    """Read from the query string: no CSRF token (GET changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("课程名称"), validators=[Optional(), Length(max=60)])
    category = SelectField(_l("分类"), choices=options(
        [("", _l("全部分类"))] + list(COURSE_CATEGORIES.items())))
    course_type = SelectField(_l("类型"), choices=options(
        [("", _l("必修和选修"))] + list(COURSE_TYPES.items())))
    org = SelectField(_l("面向组织"), choices=[])
    mine = SelectField(_l("范围"), choices=options([("", _l("全部课程")),
                                                   ("1", _l("我已报名的课程"))]))

    def filters(self):
        """Valid, non-empty filters; unknown values are ignored rather than an error."""
        self.validate()
        return {name: f.data for name, f in self._fields.items() if f.data and not f.errors}


class ActionForm(Form):
    """An empty form: buttons that change state post it for the CSRF token."""


class MoveForm(Form):
    direction = HiddenField(validators=[DataRequired(), Regexp(r"^(up|down)$")])


class CourseForm(Form):
    title = StringField(_l("课程名称"), validators=[DataRequired(_l("请输入课程名称")),
                                                 Length(max=200)])
    slug = StringField(_l("课程标识"), description=SLUG_HELP, validators=[
        Optional(), Length(max=80),
        Regexp(SLUG_PATTERN, message=_l("标识只能使用小写字母、数字和连字符"))])
    summary = TextAreaField(_l("课程简介"), validators=[Optional(), Length(max=5000)])
    category = SelectField(_l("课程分类"), choices=options(COURSE_CATEGORIES.items()))
    course_type = RadioField(_l("课程类型"), choices=options(COURSE_TYPES.items()),
                             default="elective")
    credit_hours = DecimalField(_l("学时"), places=1, default=1, validators=[
        InputRequired(_l("请输入学时")),
        NumberRange(min=0, max=100, message=_l("学时应在 0 到 100 之间"))])
    visibility = RadioField(_l("可见范围"), choices=options(VISIBILITIES.items()),
                            default="open")
    orgs = SelectMultipleField(_l("面向组织（含下级组织）"), choices=[], coerce=str)
    categories = MultiCheckboxField(_l("面向政治面貌"), choices=options(CATEGORIES.items()))
    owners = SelectMultipleField(_l("课程负责人"), choices=[], coerce=str)
    no_skip_ahead = BooleanField(_l("视频不允许快进到未看过的位置"))
    cover = FileField(_l("封面图片（PNG/JPEG/GIF/WebP，最大 5 MB）"))
    remove_cover = BooleanField(_l("删除现有封面"))


class ChapterForm(Form):
    title = StringField(_l("章节名称"), validators=[DataRequired(_l("请输入章节名称")),
                                                 Length(max=200)])


class LessonForm(Form):
    title = StringField(_l("课时名称"), validators=[DataRequired(_l("请输入课时名称")),
                                                 Length(max=200)])
    slug = StringField(_l("课时标识"), description=SLUG_HELP, validators=[
        Optional(), Length(max=80),
        Regexp(SLUG_PATTERN, message=_l("标识只能使用小写字母、数字和连字符"))])
    chapter = SelectField(_l("所属章节"), choices=[])
    kind = SelectField(_l("课时类型"), choices=[])
    required = BooleanField(_l("必学课时（计入课程完成度）"), default=True)
    min_reading_seconds = IntegerField(
        _l("最短学习时间（秒）"), description=_l("留空则按字数估算：约每分钟 400 字，30 秒至 20 分钟。"),
        validators=[Optional(), NumberRange(min=0, max=7200,
                                            message=_l("应在 0 到 7200 秒之间"))])
    body = TextAreaField(_l("正文（Markdown）"), validators=[Optional()])

    def set_choices(self, course):
        self.chapter.choices = options((str(c.id), c.title) for c in course.chapters)
        self.kind.choices = options(kinds.choices())


class UploadForm(Form):
    file = FileField(_l("选择文件"))


class CompleteForm(Form):
    reading_token = HiddenField()
