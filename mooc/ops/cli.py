"""`flask --app mooc doctor` and `flask --app mooc backup create|restore`: thin
commands over doctor.py, backup.py and restore.py."""
import sys

import click
from flask.cli import with_appcontext

from mooc.ops import backup, doctor, nginx, restore

LABELS = {doctor.ERROR: "错误", doctor.WARNING: "警告"}


@click.command("doctor")
@with_appcontext
def doctor_command():
    """检查生产环境配置（密钥、公开网址、邮件、代理、磁盘、ffmpeg、迁移、索引、worker）。"""
    findings = doctor.run()
    for finding in findings:
        click.echo(f"[{LABELS[finding.level]}] {finding.problem}\n    解决：{finding.fix}")
    errors = sum(f.level == doctor.ERROR for f in findings)
    warnings = len(findings) - errors
    if not findings:
        click.echo("一切正常。")
    else:
        click.echo(f"共 {errors} 个错误，{warnings} 个警告。")
    sys.exit(1 if errors else 0)


@click.group("backup")
def backup_group():
    """备份与恢复（数据库、媒体文件、搜索索引）。"""


@backup_group.command("create")
@click.argument("target", type=click.Path(file_okay=False))
@click.option("--store", type=click.Path(file_okay=False),
              help="共享的媒体对象库（默认：备份目录旁的 media-store）")
@with_appcontext
def create_command(target, store):
    """把数据库快照、媒体文件和搜索索引备份到新目录 TARGET。"""
    try:
        manifest = backup.create(target, store=store)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    media = manifest["media"]
    click.echo(f"备份完成：{target}（{manifest['database']['backend']}，"
               f"{sum(manifest['row_counts'].values())} 行，媒体 {len(media['files'])} 个文件，"
               f"新复制 {media['new']} 个 / 复用 {media['reused']} 个，用时 {manifest['seconds']} 秒）")
    if not manifest["search_index"]["copied"]:
        click.echo(manifest["search_index"]["note"])


@backup_group.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False))
@with_appcontext
def restore_command(source):
    """把备份 SOURCE 恢复到空实例（先校验全部校验和）。"""
    try:
        manifest = restore.restore(source)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"恢复完成：{sum(manifest['row_counts'].values())} 行，"
               f"媒体 {len(manifest['media']['files'])} 个文件（备份于 {manifest['created_at']}）。")
    if not manifest["search_index"]["copied"]:
        click.echo("备份中没有搜索索引：请运行 flask --app mooc search rebuild")


@click.group("deploy")
def deploy_group():
    """生成部署配置（nginx）。"""


@deploy_group.command("nginx")
@click.option("--server-name", required=True, help="站点域名，如 dangjian.example.cn")
@click.option("--upstream", "upstreams", multiple=True, default=["127.0.0.1:8000"],
              show_default=True, help="应用节点 host:port，可重复（多节点）")
@click.option("--tls-cert", default="/etc/ssl/certs/mooc.pem", show_default=True)
@click.option("--tls-key", default="/etc/ssl/private/mooc.key", show_default=True)
@click.option("--http-listen", default="80", show_default=True)
@click.option("--https-listen", default="443", show_default=True)
@with_appcontext
def nginx_command(server_name, upstreams, tls_cert, tls_key, http_listen, https_listen):
    """按本应用的设置（媒体目录、上传大小）输出 nginx 站点配置。"""
    from flask import current_app
    values = nginx.values_from_config(current_app.config, server_name=server_name,
                                      upstreams=upstreams, tls_cert=tls_cert, tls_key=tls_key,
                                      http_listen=http_listen, https_listen=https_listen)
    click.echo(nginx.render(values), nl=False)
