"""Form helpers shared by every feature."""
from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from werkzeug.datastructures import CombinedMultiDict
from wtforms.fields.choices import SelectChoice


class Form(FlaskForm):
    """The base of every form: a FlaskForm that reads only a real form post.

    Flask-WTF also takes a JSON body as form data (``ImmutableMultiDict(request.get_json())``),
    so ``true``, ``[1]`` or ``{"title": {"a": 1}}`` would reach fields written for text.
    Here a JSON post to a form route is simply an empty form: it fails validation like any
    other empty post. JSON is read only by the JSON endpoints (mooc.core.jsonbody).
    CSRF works exactly as in FlaskForm (same Meta otherwise).
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if formdata is not _Auto:  # passed explicitly (request.args, None, …)
                return formdata
            if not form.is_submitted():
                return None
            if request.files:
                return CombinedMultiDict((request.files, request.form))
            return request.form or None


def options(pairs):
    """(value, label) pairs as SelectChoice: WTForms 3.3 deprecates plain tuples."""
    return [pair if isinstance(pair, SelectChoice) else SelectChoice(value=str(pair[0]),
                                                                      label=pair[1])
            for pair in pairs]
