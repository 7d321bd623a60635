"""Lesson Markdown: whatever an author (or a pasted document) writes, no script reaches a page."""
from html.parser import HTMLParser

import pytest

from mooc.catalog.rendering import media_url, plain_text, render_markdown
from tests.catalog_factories import make_course, make_lesson

KEY = "ab/" + "ab" * 32 + ".png"

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[点我](javascript:alert(1))",
    "[点我](JaVaScRiPt:alert(1))",
    "[点我](  javascript:alert(1))",
    "<javascript:alert(1)>",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '![x" onerror="alert(1)](/x.png)',
    "<a href='javascript:alert(1)'>x</a>",
    "<svg onload=alert(1)>",
    "<iframe src=//evil></iframe>",
    "```\n<script>alert(1)</script>\n```",
    "[x](java&#115;cript:alert(1))",
    "<style>body{display:none}</style>",
]


class LiveMarkup(HTMLParser):
    """Collects what a browser would act on: elements, event handlers, URL attributes."""

    def __init__(self):
        super().__init__()
        self.tags, self.handlers, self.urls = set(), [], []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(name)
            if name in ("href", "src"):
                self.urls.append(value or "")


def live(html):
    parser = LiveMarkup()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("source", ATTACKS)
def test_attacks_never_produce_live_markup(source):
    parsed = live(render_markdown(source, course_id=1))
    assert not parsed.tags & {"script", "iframe", "svg", "style", "object", "embed"}
    assert parsed.handlers == []
    for url in parsed.urls:
        assert url.startswith(("https://", "http://", "/courses/1/media/", "mailto:")), url


def test_commonmark_and_tables_render():
    html = render_markdown("## 小标题\n\n**加粗** *强调* ~~删除~~\n\n- 一\n- 二\n\n"
                           "| 甲 | 乙 |\n|---|--:|\n| 1 | 2 |\n\n> 引用\n\n`code`")
    for fragment in ("<h2>小标题</h2>", "<strong>加粗</strong>", "<em>强调</em>", "<s>删除</s>",
                     "<li>一</li>", '<div class="table-wrap"><table>', '<td style="text-align:right">2',
                     "<blockquote>", "<code>code</code>"):
        assert fragment in html


def test_links_get_rel_noopener():
    html = render_markdown("[学习强国](https://www.xuexi.cn)")
    assert 'href="https://www.xuexi.cn"' in html and "noopener" in html


def test_images_only_from_own_course_media():
    own = media_url(7, KEY)
    html = render_markdown(f"![图一]({own}) ![外链](https://evil.example/t.png) "
                           f"![别的课程]({media_url(8, KEY)})", course_id=7)
    assert f'src="{own}"' in html and 'alt="图一"' in html
    assert "evil.example" not in html and media_url(8, KEY) not in html
    assert "[外链]" in html and "[别的课程]" in html  # the alt text remains


def test_code_class_is_restricted():
    html = render_markdown('```python" onmouseover="x\nprint(1)\n```')
    assert "onmouseover" not in html


def test_plain_text_strips_markup():
    text = plain_text("# 标题\n\n**加粗**[链接](https://a.b)\n\n| a |\n|---|\n| b |")
    assert "标题" in text and "加粗链接" in text and "*" not in text and "https" not in text


def test_lesson_pages_show_only_sanitised_html(client, login_as):
    learner = login_as()
    course = make_course(lessons=0)
    lesson = make_lesson(course, body="<script>alert('x')</script>\n\n"
                                      "<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))")
    page = client.get(f"/courses/{course.id}/lessons/{lesson.id}").get_data(as_text=True)
    body = page.split('class="reader-body', 1)[1].split("</div>", 1)[0]
    parsed = live(body)
    assert "script" not in parsed.tags and parsed.handlers == [] and parsed.urls == []
    assert "&lt;script&gt;" in body  # shown as text, harmlessly
    assert learner


def test_saving_a_body_cleans_pasted_text(app):
    course = make_course(lessons=0)
    lesson = make_lesson(course, body="联(lián)系群众\u200b，坚持(一)")
    assert lesson.body == "联系群众，坚持（一）"
    assert "联系群众" in lesson.body_html
