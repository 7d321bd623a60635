"""Forms for the video authoring panel (CSRF comes with mooc.core.forms.Form)."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField

from mooc.core.forms import Form


class VideoUploadForm(Form):
    """The no-JavaScript upload; upload.js sends the same file in resumable chunks."""
    file = FileField(_l("视频文件"))


class CaptionsForm(Form):
    file = FileField(_l("字幕文件（WebVTT 或 SRT）"))


class VideoActionForm(Form):
    """Buttons that change state (retry, remove captions) post it for the token."""
