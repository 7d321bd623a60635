"""The roster template people fill in: an .xlsx with the header, an example and notes."""
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from mooc.accounts.roster.preview import CATEGORY_HINT, ROLE_HINT
from mooc.accounts.roster.reading import COLUMNS, ORG
from mooc.core.tabular import escape_formula

EXAMPLE_ROW = ["张三", "zhangsan", "13800138000", None, "正式党员", "学员"]


def template_workbook(example_org_label=None):
    """An .xlsx with the header row, one example row and a sheet of instructions."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名册"
    sheet.append(COLUMNS)
    example = list(EXAMPLE_ROW)
    # The unit's name comes from the database: never let it run as a formula.
    example[COLUMNS.index(ORG)] = escape_formula(example_org_label or "党委/第一党总支/第一党支部")
    sheet.append(example)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEF", (12, 16, 16, 36, 14, 12)):
        sheet.column_dimensions[letter].width = width
    # 账号 and 手机号 as text: keeps leading zeros, and Excel won't show 1.38E+10.
    for letter in "BC":
        sheet.column_dimensions[letter].number_format = "@"

    notes = workbook.create_sheet("填写说明")
    for line in (
        ["每行一人，第一行是表头，请不要修改表头。导入前请删除示例行。"],
        ["姓名、账号、所属组织、政治面貌必填；手机号、角色可不填（角色默认为学员）。"],
        ["账号：2–64 位字母、数字或 _ . @ -，不区分大小写；已存在的账号会被更新而不是重复创建。"],
        ["所属组织：填组织名称；名称重复时请写完整路径，如 党委/第一党总支/第一党支部。"],
        ["政治面貌可填：" + CATEGORY_HINT],
        ["角色可填：" + ROLE_HINT],
        ["新账号使用统一的初始密码，首次登录时必须修改。"],
    ):
        notes.append(line)
    notes.column_dimensions["A"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


