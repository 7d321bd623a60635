from urllib.parse import urlparse

from flask import request, url_for


def safe_next(target, default_endpoint="core.index"):
    """Only ever redirect within this site: a crafted ?next= must not send members elsewhere."""
    if target:
        parsed = urlparse(target)
        same_host = not parsed.netloc or parsed.netloc == request.host
        if same_host and parsed.path.startswith("/") and not parsed.path.startswith("//") \
                and "\\" not in target:
            return parsed.path + (f"?{parsed.query}" if parsed.query else "")
    return url_for(default_endpoint)
