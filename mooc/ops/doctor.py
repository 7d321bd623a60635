"""`flask --app mooc doctor`: is this a sane production set-up?

Each check returns findings (level, problem, fix), written in Chinese for the
administrator who runs it. "error" means the site is broken or unsafe as configured
(the command exits 1); "warning" means it works but something is likely wrong.
Checks are plain functions of the current app so tests call them one by one.
"""
from __future__ import annotations

import importlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from config import DEFAULT_SECRET
from mooc.extensions import db
from mooc.ops import heartbeat
from mooc.search import services

ERROR, WARNING = "error", "warning"
MIN_FREE_BYTES = 5 * 1024 ** 3       # below this, one long lecture upload can fill the disk
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class Finding:
    level: str
    check: str
    problem: str
    fix: str


def check_secret_key(config):
    key = config.get("SECRET_KEY") or ""
    if key == DEFAULT_SECRET or not key:
        return [Finding(ERROR, "secret_key", "SECRET_KEY 仍是默认值：任何人都能伪造登录和媒体链接。",
                        "在环境文件中设置 SECRET_KEY=$(python3 -c 'import secrets;"
                        "print(secrets.token_hex(32))')，并设置 CERT_SERIAL_KEY 以便日后轮换。")]
    if len(key) < MIN_SECRET_LENGTH:
        return [Finding(WARNING, "secret_key", f"SECRET_KEY 只有 {len(key)} 个字符，太短。",
                        "换成至少 32 个字符的随机值（secrets.token_hex(32)）。")]
    if not config.get("CERT_SERIAL_KEY"):
        return [Finding(WARNING, "secret_key", "未设置 CERT_SERIAL_KEY：轮换 SECRET_KEY 会使已发证书无法验证。",
                        "设置 CERT_SERIAL_KEY 为一个独立的随机值，之后不要再改。")]
    return []


def check_public_url(config):
    url = config.get("CERT_BASE_URL") or ""
    if not url:
        return [Finding(ERROR, "public_url", "未设置 CERT_BASE_URL：证书上的验证网址和二维码无法指向本站。",
                        "设置 CERT_BASE_URL=https://你的域名/（对外公开的网址）。")]
    if not url.startswith("https://"):
        return [Finding(WARNING, "public_url", f"CERT_BASE_URL 不是 https 网址：{url}",
                        "使用 https:// 开头的公开网址。")]
    return []


def check_mail(config):
    if not config.get("MAIL_SERVER"):
        return [Finding(WARNING, "mail", "未设置 MAIL_SERVER：必修课提醒只在站内显示，不发邮件。",
                        "如需邮件提醒，设置 MAIL_SERVER、MAIL_PORT、MAIL_DEFAULT_SENDER 等。")]
    missing = [name for name in ("MAIL_DEFAULT_SENDER",) if not config.get(name)]
    if config.get("MAIL_USERNAME") and not config.get("MAIL_PASSWORD"):
        missing.append("MAIL_PASSWORD")
    if not config.get("SITE_URL"):
        missing.append("SITE_URL")
    if missing:
        return [Finding(ERROR, "mail", "邮件设置不完整，缺少：" + "、".join(missing),
                        "在环境文件中补齐这些设置，然后重启 worker。")]
    return []


def check_trusted_proxies(config):
    if int(config.get("TRUSTED_PROXIES") or 0) == 0 and (
            config.get("USE_X_ACCEL_REDIRECT") or config.get("SESSION_COOKIE_SECURE")):
        return [Finding(WARNING, "trusted_proxies",
                        "看起来站点运行在 nginx 之后，但 TRUSTED_PROXIES=0：按 IP 的限流会把所有人"
                        "当成 nginx 一个地址。",
                        "nginx 与应用之间有几层代理就设置 TRUSTED_PROXIES 为几（通常为 1）。")]
    return []


def check_rate_limits(config):
    uri = config.get("RATELIMIT_STORAGE_URI") or ""
    if uri.startswith("memory://"):
        return [Finding(ERROR, "rate_limits", "限流计数保存在每个进程的内存中：多个 worker 时，"
                        "登录和证书查询的次数限制会成倍放宽。",
                        "删除 RATELIMIT_STORAGE_URI（默认使用 INSTANCE_DIR 下的共享 SQLite 文件），"
                        "或设置 REDIS_URL。")]
    return []


def check_disk_space(config):
    root = Path(config["MEDIA_ROOT"])
    probe = root if root.exists() else root.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError as exc:
        return [Finding(ERROR, "disk", f"无法读取媒体目录 {root}：{exc}",
                        "创建 MEDIA_ROOT 目录并让运行应用的用户可写。")]
    if free < MIN_FREE_BYTES:
        return [Finding(WARNING, "disk", f"媒体目录所在磁盘只剩 {free / 1024 ** 3:.1f} GiB。",
                        "清理或扩容磁盘；可运行 flask --app mooc courses gc-media 删除无用文件。")]
    return []


def _find_ffmpeg():
    # The video package is being reorganised; look the finder up by either location.
    for name in ("mooc.video.ffmpeg_runner", "mooc.video.processing.ffmpeg_runner"):
        try:
            return importlib.import_module(name).find_ffmpeg()
        except ImportError:
            continue
    return shutil.which("ffmpeg")


def check_ffmpeg(config):
    try:
        found = _find_ffmpeg()
    except Exception as exc:  # FFmpegNotFound carries the reason in Chinese
        found, reason = None, str(exc)
    else:
        reason = ""
    if not found:
        return [Finding(ERROR, "ffmpeg", "找不到 ffmpeg：视频无法转码。" + reason,
                        "pip install imageio-ffmpeg（requirements.txt 已包含），或 apt-get install ffmpeg，"
                        "或设置 FFMPEG_BINARY。")]
    return []


def check_migrations(config):
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    migrate_ext = current_app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate_ext.migrate.get_config())
    heads = set(script.get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != heads:
        return [Finding(ERROR, "migrations",
                        f"数据库结构不是最新：当前 {sorted(current) or '空'}，应为 {sorted(heads)}。",
                        "运行 flask --app mooc db upgrade。")]
    return []


def check_search_index(config):
    try:
        state = services.index_state()
    except Exception as exc:
        state = {"ok": False, "state": str(exc)[:200]}
    if not state.get("ok"):
        return [Finding(ERROR, "search", f"搜索索引不可用（{state.get('state')}）。",
                        "运行 flask --app mooc search rebuild。")]
    found = []
    if not state.get("schema_current"):
        found.append(Finding(WARNING, "search", "搜索索引的结构已过时。",
                             "worker 会自动重建；也可运行 flask --app mooc search rebuild。"))
    if state.get("pending_changes", 0) > 1000:
        found.append(Finding(WARNING, "search",
                             f"有 {state['pending_changes']} 条内容变更尚未写入索引。",
                             "确认 worker 在运行（systemctl status mooc-worker）。"))
    return found


def check_worker(config):
    age = heartbeat.age_seconds()
    if age is None:
        return [Finding(ERROR, "worker", "从未见到后台 worker：转码、索引、提醒和证书 PDF 都不会进行。",
                        "启动 worker：systemctl enable --now mooc-worker（或 flask --app mooc worker）。")]
    if age > heartbeat.FRESH_SECONDS:
        return [Finding(ERROR, "worker", f"后台 worker 已 {int(age)} 秒没有心跳，可能已停止。",
                        "查看 journalctl -u mooc-worker，然后 systemctl restart mooc-worker。")]
    return []


CHECKS = [check_secret_key, check_public_url, check_mail, check_trusted_proxies, check_rate_limits,
          check_disk_space, check_ffmpeg, check_migrations, check_search_index, check_worker]


def run(config=None, checks=CHECKS) -> list[Finding]:
    config = config if config is not None else current_app.config
    findings = []
    for check in checks:
        try:
            findings.extend(check(config))
        except Exception as exc:  # one broken probe must not hide the others
            findings.append(Finding(ERROR, check.__name__.removeprefix("check_"),
                                    f"检查失败：{str(exc)[:200]}", "查看上面的错误并修复。"))
    return findings
