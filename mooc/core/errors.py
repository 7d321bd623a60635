"""Every error answers in the user's language, as JSON for API calls and a page otherwise."""
from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


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
    }


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
        response, status = error_response(code, description)
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
        app.logger.exception("Unhandled error on %s", request.path)
        return error_response(500)
