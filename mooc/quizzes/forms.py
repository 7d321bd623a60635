"""Forms for the bank editor, the import, the quiz settings and the quiz pages.

A question form is one spreadsheet row in disguise: `QuestionForm.to_data` hands
the fields to the Excel/CSV row reader, so the editor accepts answers written
exactly as in the import template ("A", "ACD", "对", "答案一|答案二") and reports
the same Chinese messages, attached to the right field.
"""
import csv
import io

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, FieldList, FormField, HiddenField, IntegerField, RadioField,
                     SelectField, SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from mooc.core.forms import Form
from mooc.core.forms import options as choice_list
from mooc.core.tabular import escape_formula, unescape_formula
from mooc.quizzes import bank
from mooc.quizzes.formats.sheet import header_columns, parse_csv, write_csv
from mooc.quizzes.models import DIFFICULTY_LABELS, FEEDBACK_POLICIES, MODES, SCORE_POLICIES
from mooc.core.parsing import ascii_int

DIFFICULTY_OPTIONS = [("", _l("不限"))] + list(DIFFICULTY_LABELS.items())
COLUMN_FIELDS = {"题型": "kind", "题目": "stem", "答案": "answer", "解析": "explanation",
                 "难度": "difficulty", "标签": "tags"}


class ActionForm(Form):
    """An empty form: buttons that change state post it for the CSRF token."""


class QuestionFilterForm(Form):
    """Read from the query string: no CSRF token (GET changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("题干关键词"), validators=[Optional(), Length(max=60)])
    tag = SelectField(_l("标签"), choices=[])
    kind = SelectField(_l("题型"), choices=[])
    difficulty = SelectField(_l("难度"), choices=choice_list(
        [("", _l("全部难度"))] + list(DIFFICULTY_LABELS.items())))
    archived = SelectField(_l("状态"), choices=choice_list([("", _l("使用中")),
                                                       ("1", _l("已归档"))]))

    def set_choices(self, tags):
        self.tag.choices = choice_list([("", _l("全部标签"))] + [(t, t) for t in tags])
        self.kind.choices = choice_list([("", _l("全部题型"))] + bank.kind_choices())

    def filters(self):
        """Valid, non-empty filters; unknown values are ignored rather than an error."""
        self.validate()
        return {name: f.data for name, f in self._fields.items() if f.data and not f.errors}


class QuestionForm(Form):
    kind = SelectField(_l("题型"), choices=[])
    stem = TextAreaField(_l("题干"), validators=[DataRequired(_l("请输入题干")),
                                                 Length(max=10000)])
    options = TextAreaField(_l("选项（单选、多选题填写，每行一个，依次为 A、B、C…）"),
                            validators=[Optional(), Length(max=20000)])
    answer = StringField(_l("答案"), description=_l(
        "单选、多选填选项字母，如 A 或 ACD；判断填 对 或 错；填空填正确答案，多个可接受的答案用 | 分隔。"),
        validators=[DataRequired(_l("请输入答案")), Length(max=2000)])
    explanation = TextAreaField(_l("解析"), validators=[Optional(), Length(max=10000)])
    difficulty = SelectField(_l("难度"), choices=choice_list(DIFFICULTY_OPTIONS), default="")
    tags = StringField(_l("标签（多个用逗号、顿号或空格分隔）"),
                       validators=[Optional(), Length(max=500)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choice_list(bank.kind_choices())

    def fill_from(self, data):
        """Show an existing question in the fields, answers as the template writes them."""
        text = write_csv([data]).decode("utf-8-sig")
        header, row = list(csv.reader(io.StringIO(text)))[:2]
        cells = dict(zip(header, (unescape_formula(c) for c in row)))
        self.kind.data = data.kind
        self.stem.data = data.stem
        self.options.data = "\n".join(data.options)
        self.answer.data = cells.get("答案", "")
        self.explanation.data = data.explanation
        self.difficulty.data = data.difficulty or ""
        self.tags.data = "，".join(data.tags)

    def to_data(self):
        """QuestionData, or None after attaching the reader's messages to the fields."""
        option_lines = [line.strip() for line in (self.options.data or "").splitlines()]
        while option_lines and not option_lines[-1]:
            option_lines.pop()
        columns = header_columns(max(len(option_lines), 1))
        labels = dict(bank.kind_choices())
        row = {"题型": labels.get(self.kind.data, self.kind.data), "题目": self.stem.data or "",
               "答案": self.answer.data or "", "解析": self.explanation.data or "",
               "难度": str(DIFFICULTY_LABELS.get(self.difficulty.data, "")),
               "标签": self.tags.data or ""}
        for index, line in enumerate(option_lines):
            row[columns[2 + index]] = line
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(columns)
        writer.writerow([escape_formula(str(row.get(name, ""))) for name in columns])
        result = parse_csv(buffer.getvalue().encode("utf-8"))
        for issue in result.errors:
            field = COLUMN_FIELDS.get(issue.column or "") or \
                ("options" if (issue.column or "").startswith("选项") else None)
            target = getattr(self, field) if field else self.answer
            target.errors = list(target.errors) + [issue.message]
        return result.questions[0] if result.ok and result.questions else None


class ImportUploadForm(Form):
    file = FileField(_l("题目文件（GIFT、.xlsx 或 .csv）"),
                     validators=[FileRequired(_l("请选择要导入的文件"))])


class ImportConfirmForm(Form):
    token = HiddenField(validators=[DataRequired()])
    accept_unsupported = BooleanField(_l("我已知晓：不支持的题型将被跳过，不会导入"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RuleForm(Form):
    class Meta:
        csrf = False

    kind = SelectField(_l("题型"), choices=[], default="")
    count = IntegerField(_l("题数"), validators=[Optional(), NumberRange(min=1, max=500)])
    tags = StringField(_l("标签（任一即可，可留空）"), validators=[Optional(), Length(max=200)])
    difficulty = SelectField(_l("难度"), choices=choice_list(DIFFICULTY_OPTIONS), default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choice_list([("", _l("（不使用）"))] + bank.kind_choices())


class QuizSettingsForm(Form):
    mode = RadioField(_l("组卷方式"), choices=choice_list(MODES.items()), default="fixed")
    question_ids = MultiCheckboxField(_l("试卷题目"), choices=[], coerce=str)
    rules = FieldList(FormField(RuleForm), min_entries=3, max_entries=20)
    pass_mark = IntegerField(_l("及格分（百分制）"), default=60, validators=[
        InputRequired(_l("请输入及格分")),
        NumberRange(min=0, max=100, message=_l("及格分应在 0 到 100 之间"))])
    time_limit_minutes = IntegerField(_l("答题时限（分钟，留空不限时）"), validators=[
        Optional(), NumberRange(min=0, max=1440, message=_l("应在 0 到 1440 分钟之间"))])
    max_attempts = IntegerField(_l("最多作答次数（留空不限）"), validators=[
        Optional(), NumberRange(min=0, max=100, message=_l("应在 0 到 100 之间"))])
    score_policy = RadioField(_l("计分方式"), choices=choice_list(SCORE_POLICIES.items()),
                              default="highest")
    feedback_policy = SelectField(_l("答案与解析"), choices=choice_list(FEEDBACK_POLICIES.items()),
                                  default="after_submit")
    shuffle_options = BooleanField(_l("打乱选项顺序"))
    partial_credit = BooleanField(_l("多选题、带权重的题目按比例给分"))
    one_per_page = BooleanField(_l("每屏显示一道题（适合手机）"))
    required = BooleanField(_l("必须及格才算完成本课时（不勾选则交卷即完成）"), default=True)

    def set_choices(self, questions):
        self.question_ids.choices = choice_list((str(q.id), str(q.id)) for q in questions)

    def rule_dicts(self):
        rules = []
        for entry in self.rules.entries:
            form = entry.form
            if not form.kind.data:
                continue
            rules.append({"kind": form.kind.data, "count": form.count.data,
                          "tags": form.tags.data or "", "difficulty": form.difficulty.data or None})
        return rules

    def ordered_question_ids(self, formdata):
        """Ticked questions by their 序号 box (blank: after the numbered ones, bank order)."""
        ticked = [n for n in map(ascii_int, self.question_ids.data or []) if n is not None]

        def position(pair):
            index, qid = pair
            place = ascii_int(formdata.get(f"position-{qid}"), max_digits=5)
            return (10 ** 6 if place is None else place, index)
        return [qid for _index, qid in sorted(enumerate(ticked), key=position)]


class PracticeForm(Form):
    pass
