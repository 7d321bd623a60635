"""Forms for the video authoring panel (CSRF comes with FlaskForm)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField


class VideoUploadForm(FlaskForm):
    """The no-JavaScript upload; upload.js sends the same file in resumable chunks."""
    file = FileField(_l("视频文件"))


class CaptionsForm(FlaskForm):
    file = FileField(_l("字幕文件（WebVTT 或 SRT）"))


class VideoActionForm(FlaskForm):
    """Buttons that change state (retry, remove captions) post it for the token."""
