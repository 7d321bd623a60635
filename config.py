"""Settings for 党建慕课, read from environment variables.

Three classes: Development (the default for `make run`), Testing and Production.
`create_app()` picks one from the `MOOC_ENV` variable unless a class is passed in.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_SECRET = "dev-secret-change-me"


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(url):
    """Normalise a DATABASE_URL so PostgreSQL uses psycopg 3 (the driver we ship)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET)
    INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'mooc.sqlite3'}"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
    SEARCH_INDEX_DIR = Path(os.environ.get("SEARCH_INDEX_DIR", BASE_DIR / "search_index"))
    COURSES_DIR = Path(os.environ.get("COURSES_DIR", BASE_DIR / "courses"))
    # Job queue: Redis when REDIS_URL is set, otherwise huey's SQLite storage.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    HUEY_SQLITE_PATH = os.environ.get("HUEY_SQLITE_PATH", str(INSTANCE_DIR / "jobs.sqlite3"))
    HUEY_IMMEDIATE = False

    # Sessions and cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # i18n: Chinese first
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TIMEZONE", "Asia/Shanghai")
    LANGUAGES = {"zh": "简体中文", "en": "English"}

    # Rate limits (Flask-Limiter). Counters are shared by every worker: in Redis when
    # REDIS_URL is set, else in an SQLite file next to the database
    # (mooc/core/ratelimit_storage.py). Never memory:// in a multi-worker server.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or (
        os.environ.get("REDIS_URL")
        or f"mooc+sqlite://{(INSTANCE_DIR / 'ratelimits.sqlite3').resolve()}")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "20 per 10 minutes")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 10 minutes")

    # Passwords: werkzeug's scrypt is the modern KDF; tests use a cheap method for speed.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")
    ROSTER_DEFAULT_PASSWORD = os.environ.get("ROSTER_DEFAULT_PASSWORD", "Dangjian@2024")
    # Request bodies: small everywhere (413 before the body is read), larger only on the
    # routes that take files (mooc/core/bodylimits.py: video uploads, imports, media).
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_REQUEST_BYTES", 4 * 1024 ** 2))
    MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", 2 * 1024 ** 3))   # a video
    MAX_IMPORT_BYTES = int(os.environ.get("MAX_IMPORT_BYTES", 10 * 1024 ** 2))

    # Media served by nginx after the app checks access (see README "Scale out").
    # Proxies in front of the app (nginx = 1): X-Forwarded-For/Proto/Host are trusted
    # from that many hops only (werkzeug ProxyFix), so per-IP limits see real clients.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))
    USE_X_ACCEL_REDIRECT = _bool("USE_X_ACCEL_REDIRECT", False)
    X_ACCEL_PREFIX = os.environ.get("X_ACCEL_PREFIX", "/_protected_media/")

    # Video lessons (mooc.video): renditions are short-side heights, never upscaled.
    VIDEO_RENDITIONS = (240, 360, 720)              # the adaptive ladder (README: 视频码率阶梯)
    TRANSCODE_PRESET = os.environ.get("TRANSCODE_PRESET", "veryfast")
    VIDEO_HLS = _bool("VIDEO_HLS", True)            # adaptive HLS from the renditions (cheap: -c copy)
    VIDEO_AUDIO_ONLY = _bool("VIDEO_AUDIO_ONLY", True)   # 听党课: the sound alone, audio.m4a
    VIDEO_COMPLETION_SHARE = float(os.environ.get("VIDEO_COMPLETION_SHARE", 0.95))
    VIDEO_HEARTBEAT_SECONDS = float(os.environ.get("VIDEO_HEARTBEAT_SECONDS", 10))
    VIDEO_UPLOAD_CHUNK_BYTES = int(os.environ.get("VIDEO_UPLOAD_CHUNK_BYTES", 8 * 1024 ** 2))
    VIDEO_UPLOAD_TTL = int(os.environ.get("VIDEO_UPLOAD_TTL", 24 * 3600))  # resumable for a day
    MEDIA_URL_TTL = int(os.environ.get("MEDIA_URL_TTL", 6 * 3600))  # signed video/poster URLs

    STALE_COURSE_MONTHS = int(os.environ.get("STALE_COURSE_MONTHS", 12))
    SITE_NAME = os.environ.get("SITE_NAME", "党建慕课")
    ORG_NAME = os.environ.get("ORG_NAME", "中共示范单位委员会")

    # Certificates (mooc.certificates). Serial check symbols are keyed with
    # CERT_SERIAL_KEY, or a key derived from SECRET_KEY when unset: rotating SECRET_KEY
    # then invalidates every issued serial, so pin CERT_SERIAL_KEY before rotating.
    CERT_SERIAL_KEY = os.environ.get("CERT_SERIAL_KEY", "")
    # The site's public root URL printed on certificates (and in their QR code), e.g.
    # https://dangjian.example.cn/ — needed when PDFs are rendered by the worker.
    # Required in production; development falls back to SERVER_NAME or DEV_SERVER_URL,
    # never to the Host header of a request.
    CERT_BASE_URL = os.environ.get("CERT_BASE_URL", "")
    DEV_SERVER_URL = f"http://127.0.0.1:{os.environ.get('PORT', '5000')}/"
    CERT_VERIFY_LIMIT = os.environ.get("CERT_VERIFY_LIMIT", "30 per minute")  # per IP

    # Required-course reminders by e-mail (mooc.assignments): sent from the worker only
    # when MAIL_SERVER is set; without it reminders stay in-site (通知). Members are
    # e-mailed when their account name is an e-mail address (accounts have no e-mail
    # field yet). SITE_URL (e.g. https://dangjian.example.cn) makes the links absolute.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)      # STARTTLS after connecting
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)      # SMTP over TLS (port 465)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", 30))
    SITE_URL = os.environ.get("SITE_URL", "")
    # Dashboards (mooc.dashboard): exports with more rows than this run as a background
    # job; their files are deleted after DASHBOARD_EXPORT_TTL_HOURS.
    DASHBOARD_EXPORT_SYNC_LIMIT = int(os.environ.get("DASHBOARD_EXPORT_SYNC_LIMIT", 2000))
    DASHBOARD_EXPORT_TTL_HOURS = float(os.environ.get("DASHBOARD_EXPORT_TTL_HOURS", 24))


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = True  # tests send the token explicitly; CSRF is a feature under test
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    HUEY_IMMEDIATE = True
    RATELIMIT_STORAGE_URI = "memory://"
    TRANSCODE_PRESET = "ultrafast"
    SERVER_NAME = "localhost"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    # HTTPS only for a year, subdomains included (sent by the app; nginx may add it too).
    HSTS = os.environ.get("HSTS", "max-age=31536000; includeSubDomains")

    @classmethod
    def check(cls):
        if cls.SECRET_KEY in (DEFAULT_SECRET, "", None) or len(cls.SECRET_KEY) < 16:
            raise RuntimeError(
                "生产环境必须设置足够长的 SECRET_KEY 环境变量 / production needs a real SECRET_KEY")
        if not (cls.CERT_BASE_URL or "").startswith(("https://", "http://")):
            raise RuntimeError(
                "生产环境必须设置 CERT_BASE_URL（对外公开的网址，如 https://dangjian.example.cn/）"
                " / production needs CERT_BASE_URL, the site's public URL")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env():
    return CONFIGS.get(os.environ.get("MOOC_ENV", "development"), DevelopmentConfig)
