"""The security headers every response carries (page, API, file or fast path)."""
import functools

CSP = ("default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
       "style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; "
       "frame-ancestors 'self'; base-uri 'self'; form-action 'self'")

STATIC = (("X-Content-Type-Options", "nosniff"),
          ("X-Frame-Options", "SAMEORIGIN"),
          ("Referrer-Policy", "same-origin"),
          ("Content-Security-Policy", CSP),
          ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"))


@functools.lru_cache(maxsize=8)
def _with_hsts(hsts):
    return STATIC + ((("Strict-Transport-Security", hsts),) if hsts else ())


def for_app(app):
    """[(name, value)] for this app's configuration (HSTS in production)."""
    return _with_hsts(app.config.get("HSTS") or None)
