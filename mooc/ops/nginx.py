"""Render deploy/nginx.conf with this app's values (`flask --app mooc deploy nginx`).

The template's ${NAME} placeholders are filled here; nginx's own $variables are left
alone, and any placeholder left unfilled is an error (a typo must not reach nginx).
"""
from __future__ import annotations

import re
import string
from pathlib import Path

from config import BASE_DIR

TEMPLATE = BASE_DIR / "deploy" / "nginx.conf"
PLACEHOLDER = re.compile(r"\$\{([A-Z_]+)\}")
CHUNK_MARGIN = 1024 * 1024   # headers and rounding on top of one upload chunk


def _size(n: int) -> str:
    """Bytes as nginx's size syntax, rounded up to whole MiB."""
    return f"{-(-int(n) // (1024 * 1024))}m"


def values_from_config(config, *, server_name, upstreams, tls_cert, tls_key,
                       http_listen="80", https_listen="443 ssl") -> dict:
    def with_slash(path):
        return str(Path(path).resolve()).rstrip("/") + "/"
    return {
        "SERVER_NAME": server_name,
        "HTTP_LISTEN": http_listen,
        "HTTPS_LISTEN": https_listen.removesuffix(" ssl"),
        "APP_SERVERS": "\n".join(f"    server {u} max_fails=3 fail_timeout=10s;"
                                 for u in upstreams),
        "TLS_CERT": tls_cert,
        "TLS_KEY": tls_key,
        "STATIC_ROOT": with_slash(BASE_DIR / "mooc" / "static"),
        "MEDIA_ROOT": with_slash(config["MEDIA_ROOT"]),
        "X_ACCEL_PREFIX": config["X_ACCEL_PREFIX"],
        "MAX_BODY": _size(config["MAX_UPLOAD_BYTES"]),
        "CHUNK_BODY": _size(config["VIDEO_UPLOAD_CHUNK_BYTES"] + CHUNK_MARGIN),
    }


def render(values: dict, template: Path = TEMPLATE) -> str:
    """Fill the placeholders outside comments (the comments explain them)."""
    lines = template.read_text(encoding="utf-8").splitlines(keepends=True)
    code = [i for i, line in enumerate(lines) if not line.lstrip().startswith("#")]
    missing = sorted({name for i in code for name in PLACEHOLDER.findall(lines[i])} - set(values))
    if missing:
        raise KeyError(f"nginx 模板缺少变量：{', '.join(missing)}")
    for i in code:
        lines[i] = string.Template(lines[i]).safe_substitute(values)
    return "".join(lines)
