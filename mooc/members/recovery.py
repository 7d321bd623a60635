"""忘记密码: a signed one-time link by e-mail when SMTP is configured.

The link carries the account id and its current `auth_token`, signed with the app's
secret and valid for 30 minutes. Setting the new password rotates `auth_token`
(accounts.services.set_password), so a used link — and any older one — stops working.
Requests give the same answer whether or not the account exists; the e-mail is sent
by the worker, so the response time does not tell either.
"""
import smtplib
from email.message import EmailMessage

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, or_, select

from mooc.accounts import services as accounts
from mooc.accounts.models import User
from mooc.core import jobs
from mooc.core.services import audit
from mooc.extensions import db

LINK_SECONDS = 30 * 60
SALT = "mooc.members.password-reset"


def mail_configured():
    return bool(current_app.config.get("MAIL_SERVER"))


def _serializer():
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def make_token(user):
    return _serializer().dumps({"u": user.id, "t": user.auth_token})


def user_for_token(token):
    """The account a still-valid, unused link is for, or None."""
    try:
        data = _serializer().loads(token or "", max_age=LINK_SECONDS)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or not user.active or user.auth_token != data.get("t"):
        return None
    return user


def find_account(identifier):
    text = (identifier or "").strip().lower()
    if not text:
        return None
    return db.session.scalar(select(User).where(
        or_(func.lower(User.username) == text, User.email == text)).limit(1))


def request_reset(identifier, link_for):
    """Queue the e-mail if the account exists, is active and has an address. Returns nothing
    the caller could show: the page says the same thing either way."""
    if not mail_configured():
        return
    user = find_account(identifier)
    if user is None or not user.active or not user.email:
        return
    audit("user.reset_link", user, f"发送重设密码链接给 {user.username}", actor=user)
    jobs.enqueue("send_reset_link_task", user.id, link_for(make_token(user)))


def finish_reset(token, password, confirm):
    user = user_for_token(token)
    if user is None:
        raise accounts.AccountError("链接无效或已过期（有效期 30 分钟，只能使用一次），请重新申请。")
    if password != confirm:
        raise accounts.AccountError("两次输入的密码不一致。")
    accounts.set_password(user, password)
    audit("user.reset_by_link", user, f"{user.username} 通过邮件链接重设了密码", actor=user)
    return user


def send_link(user_id, link):
    """Worker side: one plain-text message with the link."""
    config = current_app.config
    user = db.session.get(User, user_id)
    if user is None or not user.email:
        return False
    site = config.get("SITE_NAME", "党建慕课")
    message = EmailMessage()
    message["Subject"] = f"{site}：重设密码"
    message["From"] = config.get("MAIL_DEFAULT_SENDER") or f"noreply@{config['MAIL_SERVER']}"
    message["To"] = user.email
    message.set_content(f"{user.name}，您好：\n\n请在 30 分钟内打开下面的链接设置新密码"
                        f"（只能使用一次）：\n{link}\n\n如果不是您本人申请，请忽略本邮件。")
    host, port = config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25)
    timeout = float(config.get("MAIL_TIMEOUT") or 30)
    server = (smtplib.SMTP_SSL(host, port, timeout=timeout) if config.get("MAIL_USE_SSL")
              else smtplib.SMTP(host, port, timeout=timeout))
    with server:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            server.starttls()
        if config.get("MAIL_USERNAME"):
            server.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        server.send_message(message)
    return True
