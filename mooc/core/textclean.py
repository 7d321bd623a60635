"""One-line text from outside (names, titles, filenames) made safe to store and show,
and download headers built from it (issue 15).

An attachment uploaded as ``nul\\x00byte.pdf`` made every download of it a 500, and a
roster name with a newline broke the certificate download: header values cannot hold
control characters. Bidi overrides (U+202E…) make ``gpj.exe`` read as ``exe.jpg``.
`clean_line` is applied where such values come in (forms, roster, imports, packages go
through the same services); `content_disposition` is used for every download name,
so values stored before this still download.
"""
import re
import unicodedata
from urllib.parse import quote

# Bidi embeddings/overrides/isolates and marks: invisible, and they reorder what follows.
BIDI_CONTROLS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_SPACES = re.compile(r"\s+")


def clean_line(text):
    """`text` on one line: whitespace controls (tab, CR, LF, …) become one space, other
    control characters and bidi controls are dropped, the ends are stripped."""
    if text is None:
        return ""
    text = str(text)
    out = []
    for char in text:
        if char in BIDI_CONTROLS:
            continue
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            if char in "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85" or unicodedata.category(char) != "Cc":
                out.append(" ")
            continue
        out.append(char)
    return _SPACES.sub(" ", "".join(out)).strip()


def safe_filename(name, default="download"):
    """A download name without controls or path separators."""
    name = clean_line(name).replace("/", "-").replace("\\", "-")
    return name or default


def content_disposition(name, *, attachment=True):
    """`attachment; filename="ascii"; filename*=UTF-8''…` (RFC 6266 / RFC 5987)."""
    name = safe_filename(name)
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r'["\\%]', "_", fallback).strip() or "download"
    if "." in name and "." not in fallback:
        fallback += "." + name.rsplit(".", 1)[1].encode("ascii", "ignore").decode("ascii")
    kind = "attachment" if attachment else "inline"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
