"""`flask --app mooc search rebuild|query|status`"""
import json

import click
from flask.cli import with_appcontext

from mooc.accounts.services import find_by_username
from mooc.search import services


@click.group("search")
def search_group():
    """全文搜索索引。"""


@search_group.command("rebuild")
@with_appcontext
def rebuild():
    """在新目录中重建索引，完成后原子切换。"""
    count = services.rebuild()
    click.echo(f"搜索索引已重建：{count} 个条目 → {services.current_dir()}")


@search_group.command("status")
@with_appcontext
def status():
    """显示索引状态。"""
    click.echo(json.dumps(services.index_state(), ensure_ascii=False))


@search_group.command("query")
@click.argument("text")
@click.option("--user", "username", default=None, help="按此用户的可见范围过滤（默认不过滤）")
@click.option("--limit", default=10, show_default=True)
@with_appcontext
def query(text, username, limit):
    """搜索并打印结果（便于脚本调用）。"""
    allowed = None
    if username:
        user = find_by_username(username)
        if user is None:
            raise click.ClickException(f"找不到用户 {username}")
        allowed = services.visible_course_ids(user)
    results = services.search(allowed, text, pagelen=limit)
    if results is None:
        raise click.ClickException("搜索索引不存在，请先运行 flask --app mooc search rebuild")
    click.echo(f"共{'约' if results.estimated else ''} {results.total} 条"
               + ("（部分匹配）" if results.partial else "")
               + (f"，您是不是要找：{results.suggestion}" if results.suggestion else ""))
    course_titles = services.course_titles({hit.course_id for hit in results.hits})
    for hit in results.hits:
        at = f" @{hit.start_seconds:.0f}s" if hit.start_seconds is not None else ""
        where = course_titles.get(hit.course_id, "")
        click.echo(f"[{hit.kind}] {where} · {hit.title}{at}  {hit.url}")


