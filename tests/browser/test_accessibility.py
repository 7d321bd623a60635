"""axe-core (vendored in tests/browser/vendor/axe.min.js, MPL-2.0, from the npm package
axe-core 4.10.3 — no CDN) on the main learner pages at 360 px and 1366 px: no serious or
critical violations; and no learner text smaller than 14 px."""
from pathlib import Path

import pytest

from mooc.catalog.models import Enrollment
from mooc.extensions import db as _db
from mooc.video import services as video
from tests.browser.shots import DESKTOP, shoot
from tests.catalog_factories import make_course, make_lesson
from tests.conftest import PHONE, browser_login
from tests.quizzes.factories import make_quiz, multiple, single, truefalse
from tests.video.clips import clip

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SRT = "1\n00:00:00,000 --> 00:00:01,200\n学习党章\n\n2\n00:00:01,200 --> 00:00:02,800\n遵守党纪\n"

# Visible text nodes smaller than 14 px (the "大字模式" only scales up from there).
SMALL_TEXT = """() => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (!el || !el.getClientRects().length) continue;
    if (el.closest('.visually-hidden, .skip, [hidden]')) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 13.95) small.push(size + 'px ' + el.tagName + '.' + el.className + ': ' + node.textContent.trim().slice(0, 20));
  }
  return small;
}"""


@pytest.fixture
def pages(app, make_user, tmp_path):
    learner = make_user(username="a11y-learner", name="无障碍学员")
    course = make_course("无障碍课程", lessons=2)
    text_lesson = course.ordered_lessons()[0]
    video_lesson = make_lesson(course, "视频课：学习党章", kind="video")
    captions = tmp_path / "clip.srt"
    captions.write_text(SRT, encoding="utf-8")
    video.attach_video(video_lesson, clip("small.mp4"), captions)
    quiz_course, quiz_lesson, _quiz = make_quiz([
        single("党的根本宗旨是（ ）。"), multiple("下列属于党的纪律的有（ ）。"),
        truefalse("党员必须遵守党章。")])
    _db.session.add(Enrollment(user_id=learner.id, course_id=course.id))
    urls = {"course": f"/courses/{course.id}",
            "text-lesson": f"/courses/{course.id}/lessons/{text_lesson.id}",
            "video-lesson": f"/courses/{course.id}/lessons/{video_lesson.id}",
            "quiz-lesson": f"/courses/{quiz_course.id}/lessons/{quiz_lesson.id}"}
    _db.session.commit()
    return urls


def audit(page, name):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
          .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""")
    assert result == [], f"{name}: {result}"
    small = page.evaluate(SMALL_TEXT)
    assert small == [], f"{name}: text under 14 px: {small[:8]}"


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_learner_pages_pass_axe(browser, live_server, pages, size):
    context = browser.new_context(viewport=size, locale="zh-CN", base_url=live_server,
                                  bypass_csp=True)   # lets the test inject axe.min.js
    try:
        page = context.new_page()
        browser_login(page, "a11y-learner")
        for name, path in [("home", "/home"), ("catalogue", "/courses"),
                           ("course", pages["course"]), ("text-lesson", pages["text-lesson"]),
                           ("video-lesson", pages["video-lesson"]),
                           ("quiz-lesson", pages["quiz-lesson"])]:
            page.goto(path)
            audit(page, name)
            shoot(page, f"learner-{name}")
        page.goto(pages["quiz-lesson"])
        page.click("text=开始测验")
        page.wait_for_selector("#quiz-form")
        audit(page, "quiz")
        shoot(page, "learner-quiz")
        page.click("label.option:has-text('为人民服务')")
        page.wait_for_selector("#save-state:has-text('已自动保存')")
        page.on("dialog", lambda dialog: dialog.accept())
        page.click("#submit-quiz")
        page.wait_for_selector("#score")
        audit(page, "result")
    finally:
        context.close()
