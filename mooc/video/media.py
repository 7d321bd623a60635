"""Private video files behind signed, expiring URLs bound to one user.

A page that has checked access hands out URLs carrying a token signed with the
app's secret (itsdangerous): [user id, asset id, file name, expiry]. The media
route serves a file only when the token matches the signed-in user, that asset and
that name, and has not expired (clock.now, so tests can fake time) — a URL copied
to someone else, edited or stale answers 403. The player asks for fresh URLs when a
long viewing outlives them.

Files: rendition MP4s, poster.jpg, captions.vtt and audio.m4a (one asset's), and HLS
playlists/segments when the asset has HLS (master.m3u8 lists 240p/360p/720p; the
sound-only variant hls/audio/index.m3u8 is offered separately, for 听党课). Playlists are rewritten on the way out
so every URI in them is itself a signed URL for this user.
"""
from __future__ import annotations

import mimetypes
import posixpath

from flask import abort, current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from mooc.core import storage
from mooc.video import clock
from mooc.video.models import AUDIO_NAME, CAPTIONS_NAME, DERIVED_NAMESPACE

SALT = "video-media"
HLS_PREFIX = "hls/"
MIME = {".mp4": "video/mp4", ".m4a": "audio/mp4", ".jpg": "image/jpeg", ".vtt": "text/vtt",
        ".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t"}

# Debian's mime.types maps .ts to Qt Linguist; anything that guesses must get it right.
for _ext, _mime in MIME.items():
    mimetypes.add_type(_mime, _ext)


class MediaDenied(Exception):
    """Bad, foreign or expired signature: 403."""


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def ttl():
    return int(current_app.config.get("MEDIA_URL_TTL", 6 * 3600))


def sign(user_id, asset_id, name, *, now=None, lifetime=None):
    now = clock.now() if now is None else now
    expires = int(now + (ttl() if lifetime is None else lifetime))
    return _serializer().dumps([int(user_id), int(asset_id), str(name), expires])


def verify(token, user, asset_id, name):
    """Return seconds left; raise MediaDenied unless the token is for exactly this."""
    if not token or not (user and user.is_authenticated):
        raise MediaDenied()
    try:
        user_id, token_asset, token_name, expires = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        raise MediaDenied()
    if (user_id, token_asset, token_name) != (user.id, asset_id, name):
        raise MediaDenied()
    left = expires - clock.now()
    if left <= 0:
        raise MediaDenied()
    return left


def media_url(user, asset, name):
    return url_for("video.media_file", asset_id=asset.id, name=name,
                   t=sign(user.id, asset.id, name))


def is_servable(asset, name):
    if name in asset.file_names():
        return True
    return bool(asset.hls) and name.startswith(HLS_PREFIX) \
        and storage.is_valid_derived_name(name) and posixpath.splitext(name)[1] in (".m3u8", ".ts")


def player_sources(user, asset):
    """What the player needs: signed URLs for every rendition, poster, captions, HLS."""
    renditions = [{"label": r["label"], "width": r["width"], "height": r["height"],
                   "url": media_url(user, asset, r["file"])} for r in asset.renditions or []]
    return {
        "asset_id": asset.id,
        "duration": asset.duration,
        "renditions": renditions,
        "poster": media_url(user, asset, "poster.jpg") if asset.has_poster else None,
        "captions": media_url(user, asset, CAPTIONS_NAME) if asset.captions_key else None,
        "hls": media_url(user, asset, HLS_PREFIX + "master.m3u8") if asset.hls else None,
        # 听党课: the sound alone, as HLS (for the same player) and as one M4A file.
        "audio": media_url(user, asset, AUDIO_NAME) if asset.has_audio_only else None,
        "hls_audio": (media_url(user, asset, HLS_PREFIX + "audio/index.m3u8")
                      if asset.has_audio_only and asset.hls else None),
        "expires_in": ttl(),
    }


def _signed_playlist(user, asset, name):
    """An HLS playlist whose URIs are signed URLs for this user."""
    path = storage.derived_path(DERIVED_NAMESPACE, asset.id, name)
    base = posixpath.dirname(name)
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            target = posixpath.normpath(posixpath.join(base, line.strip()))
            if not (target.startswith(HLS_PREFIX) and is_servable(asset, target)):
                continue   # our own playlists never point elsewhere; drop anything odd
            line = media_url(user, asset, target)
        lines.append(line)
    return "\n".join(lines) + "\n"


def serve(user, asset, name, seconds_left):
    """The response for a checked request (Range works; X-Accel-Redirect when configured)."""
    max_age = max(0, min(3600, int(seconds_left)))
    mime = MIME.get(posixpath.splitext(name)[1], "application/octet-stream")
    if name == CAPTIONS_NAME:
        return storage.send(asset.captions_key, mimetype=mime, max_age=max_age)
    if name.endswith(".m3u8"):
        if not storage.derived_exists(DERIVED_NAMESPACE, asset.id, name):
            abort(404)
        response = current_app.response_class(_signed_playlist(user, asset, name), mimetype=mime)
        response.headers["Cache-Control"] = "private, no-cache"   # its URLs expire
        return response
    return storage.send_derived(DERIVED_NAMESPACE, asset.id, name, mimetype=mime,
                                max_age=max_age)
