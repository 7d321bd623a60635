"""Every error answers in the user's language, as JSON for API calls and a page otherwise."""
import errno

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from mooc.extensions import db


def wants_json():
    if request.path.startswith("/api/") or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > \
        request.accept_mimetypes["text/html"]


def messages():
    return {
        400: _("请求无效，请检查后重试。"),
        401: _("请先登录。"),
        403: _("您没有权限访问此页面。"),
        404: _("页面不存在或已被删除。"),
        405: _("不支持此操作方式。"),
        409: _("操作冲突：内容已被更改或已关闭。"),
        413: _("上传的文件太大。"),
        429: _("操作过于频繁，请稍后再试。"),
        500: _("服务器出现问题，请稍后重试。我们已记录此错误。"),
        507: _("服务器存储空间不足，请稍后再试，您的内容未保存。"),
    }


DISK_FULL_TEXTS = ("database or disk is full", "no space left on device", "disk quota exceeded")


def is_disk_full(exc):
    """True when `exc` (or what it wraps) says the disk is full: ENOSPC/EDQUOT from a
    file write, SQLite's "database or disk is full", PostgreSQL's disk_full (53100)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if getattr(exc, "sqlstate", None) == "53100":
            return True
        text = str(exc).lower()
        if any(needle in text for needle in DISK_FULL_TEXTS):
            return True
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
    return False


def error_response(code, message=None, **extra):
    message = message or messages().get(code) or messages()[400]
    if wants_json():
        response = jsonify({"error": message, "code": code, **extra})
    else:
        response = render_template("core/error.html", code=code, message=message)
    return response, code


def register(app):
    @app.errorhandler(CSRFError)
    def csrf_error(_exc):
        return error_response(400, _("页面已过期或表单校验失败，请刷新页面后重试。"), reason="csrf")

    @app.errorhandler(HTTPException)
    def http_error(exc):
        code = exc.code or 500
        description = getattr(exc, "zh_message", None)
        reason = getattr(exc, "reason", None)  # e.g. jsonbody.BadJSON's "bad_json"
        extra = {"reason": reason} if isinstance(reason, str) else {}
        response, status = error_response(code, description, **extra)
        if code == 429:
            # Flask-Limiter adds Retry-After itself; keep it on our friendlier page.
            retry = exc.get_response().headers.get("Retry-After")
            if retry:
                response = app.make_response((response, status))
                response.headers["Retry-After"] = retry
                return response
        return response, status

    @app.errorhandler(Exception)
    def unexpected(exc):
        if is_disk_full(exc):
            # Nothing was saved: the transaction is rolled back and storage.store_stream
            # has removed its temp file. Say so plainly; it works again once space returns.
            db.session.rollback()
            app.logger.error("Disk full on %s: %s", request.path, exc)
            return error_response(507, reason="disk_full")
        app.logger.exception("Unhandled error on %s", request.path)
        return error_response(500)
