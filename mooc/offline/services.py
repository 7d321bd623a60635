"""The installable web app: manifest, service-worker version, per-user cache key.

Rules the service worker (static/js/sw.js) keeps, decided here:

* the app shell (CSS, JS, icons, the offline page) lives in a cache named after the
  release (`VERSION`, a hash of the static files): a new release installs a new
  worker, which deletes every older shell cache when it activates;
* pages are cached only for the signed-in member, in a cache named after an opaque
  per-user key (`user_cache_key`), and only text lessons (opened or saved with
  离线保存) with their images; every page announces its key, and the worker deletes
  any other member's cache when it sees a different key — signing out (key empty)
  deletes them all; the page also deletes them itself before the sign-out request;
* pages are always fetched from the network first, the cache only answers when the
  network does not: a stale worker can never serve an old page over a new one;
* video (/video/media/…) is never cached.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from flask import current_app, url_for

SHELL_FILES = ("css/app.css", "css/catalog.css", "css/learning.css", "css/offline.css",
               "js/app.js", "js/reader.js", "js/offline.js", "favicon.svg",
               "icons/icon-192.png", "icons/icon-512.png")
CACHE_FORMAT = 1     # the layout of the per-user page cache; bump to drop saved pages


def _static_dir() -> Path:
    return Path(current_app.static_folder)


def version() -> str:
    """The release's shell version: OFFLINE_VERSION if set, else a hash of the shell and sw."""
    configured = current_app.config.get("OFFLINE_VERSION")
    if configured:
        return str(configured)
    cached = current_app.extensions.get("mooc.offline.version")
    if cached:
        return cached
    digest = hashlib.sha256()
    for name in SHELL_FILES + ("js/sw.js",):
        path = _static_dir() / name
        if path.is_file():
            digest.update(name.encode() + b"\0" + path.read_bytes())
    value = digest.hexdigest()[:12]
    current_app.extensions["mooc.offline.version"] = value
    return value


def user_cache_key(user) -> str:
    """Opaque, stable per member (names their page cache); '' when signed out."""
    if not (user and user.is_authenticated):
        return ""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"offline-cache:{user.id}".encode(), hashlib.sha256).hexdigest()[:20]


def manifest() -> dict:
    def icon(name, size, purpose):
        return {"src": url_for("static", filename=f"icons/{name}"), "sizes": f"{size}x{size}",
                "type": "image/png", "purpose": purpose}
    return {
        "name": current_app.config.get("SITE_NAME", "党建慕课"),
        "short_name": "党建慕课",
        "description": "党员学习、测验与学时记录；弱网和离线也能读已保存的课文。",
        "lang": "zh-CN",
        "id": "/",
        "start_url": url_for("core.index"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#faf7f5",
        "theme_color": "#b71c1c",
        "icons": [icon("icon-192.png", 192, "any"), icon("icon-512.png", 512, "any"),
                  icon("icon-192-maskable.png", 192, "maskable"),
                  icon("icon-512-maskable.png", 512, "maskable")],
    }


def service_worker_source() -> str:
    """sw.js with the release's version and shell list in front."""
    shell = [url_for("offline.offline_page")] + [url_for("static", filename=name)
                                                   for name in SHELL_FILES]
    header = (f"var VERSION = {json.dumps(version())};\n"
              f"var CACHE_FORMAT = {CACHE_FORMAT};\n"
              f"var SHELL = {json.dumps(shell)};\n"
              f"var OFFLINE_URL = {json.dumps(url_for('offline.offline_page'))};\n")
    return header + (_static_dir() / "js" / "sw.js").read_text(encoding="utf-8")
