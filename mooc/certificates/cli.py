"""`flask --app mooc certificates …`: verify a serial, render missing PDFs."""
import sys

import click
from flask.cli import with_appcontext

from mooc.certificates import services
from mooc.certificates.tasks import render_missing as render_missing_pdfs
from mooc.extensions import db
from mooc.progress.hours import format_hours

EXIT_VALID, EXIT_REVOKED, EXIT_NOT_FOUND = 0, 1, 2


@click.group("certificates")
def certificates_group():
    """结业证书。"""


def verdict_lines(verdict):
    """The verification page's verdict as text (the same facts, nothing more)."""
    if not verdict.found:
        lines = ["未找到该证书。"]
        if verdict.typo:
            lines.append("证书编号可能输入有误，请与证书上的编号逐位核对。")
        return lines
    head = "证书有效" if verdict.status == "valid" else "证书已作废"
    lines = [f"{head}：{verdict.serial}",
             f"姓名：{verdict.learner_name}",
             f"课程：{verdict.course_title}",
             f"学时：{format_hours(verdict.hours)}",
             f"完成日期：{verdict.completed_on:%Y-%m-%d}",
             f"颁发日期：{verdict.issued_on:%Y-%m-%d}"]
    if verdict.status != "valid" and verdict.revoked_on:
        lines.append(f"作废日期：{verdict.revoked_on:%Y-%m-%d}")
    if verdict.replaced:
        lines.append("已换发新证书。")
    return lines


@certificates_group.command("verify")
@click.argument("serial")
@with_appcontext
def verify(serial):
    """查验证书编号（退出码：0 有效，1 已作废，2 未找到）。"""
    verdict = services.verify(serial)
    for line in verdict_lines(verdict):
        click.echo(line)
    db.session.rollback()
    sys.exit({"valid": EXIT_VALID, "revoked": EXIT_REVOKED}.get(verdict.status,
                                                                   EXIT_NOT_FOUND))


@certificates_group.command("render-missing")
@with_appcontext
def render_missing():
    """为尚未生成 PDF 的有效证书生成 PDF（后台任务丢失或失败时使用）。"""
    done = render_missing_pdfs(limit=10 ** 6, everything=True)
    click.echo(f"已生成 {len(done)} 份证书。")


