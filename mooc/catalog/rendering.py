"""Lesson Markdown → safe HTML, and Markdown → plain text (for search and reading time).

Two layers, so one mistake is not enough for a script to reach a learner:

1. markdown-it-py (CommonMark + tables) with raw HTML switched off: `<script>` in a
   lesson is shown as text; its link validator already drops `javascript:` URLs.
2. nh3 with an explicit allowlist of tags, attributes and URL schemes.

Images may only come from this site's own media URL for the lesson's course
(`/courses/<id>/media/<key>`): anything else renders as its alt text, so a lesson
cannot make learners' browsers fetch third-party images (tracking) or another
course's files. Tables are wrapped so they scroll inside the page on a phone.
"""
import html
import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML

MEDIA_URL = "/courses/{course_id}/media/{key}"
MEDIA_URL_RE = re.compile(r"^/courses/(\d+)/media/([0-9a-f]{2}/[0-9a-f]{64}\.(?:png|jpg|gif|webp))$")
CODE_CLASS_RE = re.compile(r"^language-[A-Za-z0-9_+-]{1,30}$")

TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del",
        "a", "img", "ul", "ol", "li", "blockquote", "code", "pre", "div",
        "table", "thead", "tbody", "tr", "th", "td"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "loading"},
              "ol": {"start"}, "code": {"class"}, "div": {"class"},
              "th": {"style"}, "td": {"style"}}


def media_url(course_id, key):
    return MEDIA_URL.format(course_id=course_id, key=key)


def is_own_media(src, course_id=None):
    match = MEDIA_URL_RE.match(src or "")
    return bool(match) and (course_id is None or int(match.group(1)) == int(course_id))


def _attribute_filter(tag, attr, value):
    if tag == "img" and attr == "src":
        return value if is_own_media(value) else None
    if tag == "code" and attr == "class":
        return value if CODE_CLASS_RE.match(value) else None
    if tag == "div" and attr == "class":
        return value if value == "table-wrap" else None
    return value


@lru_cache(maxsize=1)
def _cleaner():
    return nh3.Cleaner(tags=TAGS, clean_content_tags={"script", "style"}, attributes=ATTRIBUTES,
                       attribute_filter=_attribute_filter, url_schemes={"http", "https", "mailto"},
                       link_rel="noopener noreferrer", filter_style_properties={"text-align"})


def _render_image(self, tokens, idx, options, env):
    token = tokens[idx]
    if not is_own_media(token.attrGet("src"), env.get("course_id")):
        alt = self.renderInlineAsText(token.children or [], options, env)
        return html.escape(f"[{alt}]") if alt else ""
    token.attrSet("loading", "lazy")
    return RendererHTML.image(self, tokens, idx, options, env)


@lru_cache(maxsize=1)
def _parser():
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable(
        ["table", "strikethrough"])
    md.add_render_rule("image", _render_image)
    md.add_render_rule("table_open", lambda *a: '<div class="table-wrap"><table>\n')
    md.add_render_rule("table_close", lambda *a: "</table></div>\n")
    return md


def render_markdown(text, *, course_id=None):
    """Sanitised HTML for a lesson body; images only from `course_id`'s media."""
    raw = _parser().render(text or "", {"course_id": course_id})
    return _cleaner().clean(raw)


def plain_text(text):
    """The words of a Markdown body, without markup: for search and reading-time estimates."""
    parts = []
    for token in _parser().parse(text or ""):
        if token.type in ("code_block", "fence"):
            parts.append(token.content)
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append("\n")
        if token.type.endswith("_close") and token.block:
            parts.append("\n")
    return re.sub(r"\n{2,}", "\n", "".join(parts)).strip()


_LEADING_HEADING = re.compile(r"^\s*<h([12])(?:\s[^>]*)?>(.*?)</h\1>\s*", re.S)


def without_title(body, title):
    """The lesson body without a first heading that repeats the lesson's title (the page
    already shows the title as its <h1>)."""
    match = _LEADING_HEADING.match(body or "")
    if match and html.unescape(re.sub(r"<[^>]+>", "", match.group(2))).strip() == \
            (title or "").strip():
        return body[match.end():]
    return body
