"""Question text → safe HTML, in the question's own text format.

Plain text is escaped (line breaks kept); Markdown goes through the lesson renderer
(raw HTML off, sanitised, images only from the course's own media); HTML from GIFT
files is sanitised with the same allowlist minus images, so a question can never
make learners' browsers fetch anything.
"""
import html
from functools import lru_cache

import nh3
from markupsafe import Markup, escape

from mooc.catalog.rendering import ATTRIBUTES, TAGS, render_markdown


@lru_cache(maxsize=1)
def _html_cleaner():
    tags = TAGS - {"img", "div"}
    attributes = {tag: attrs for tag, attrs in ATTRIBUTES.items() if tag in tags}
    return nh3.Cleaner(tags=tags, clean_content_tags={"script", "style"}, attributes=attributes,
                       url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer",
                       filter_style_properties={"text-align"})


def render(text, text_format="plain", *, course_id=None):
    text = text or ""
    # Markup() only marks output that is already safe: render_markdown sanitises with nh3
    # (raw HTML off), the cleaner is nh3 with an allowlist, and plain text is escaped line
    # by line before joining with <br>.
    if text_format == "markdown":
        return Markup(render_markdown(text, course_id=course_id))  # nosec B704
    if text_format == "html":
        return Markup(_html_cleaner().clean(text))  # nosec B704
    return Markup("<br>".join(str(escape(line)) for line in text.splitlines()) or "")  # nosec B704


def plain(text, text_format="plain"):
    """Text without markup, for lists and titles."""
    if text_format == "plain":
        return text or ""
    return html.unescape(nh3.clean(str(render(text, text_format)), tags=set())).strip()
