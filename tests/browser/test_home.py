"""/home in real Chromium for each role: the place to start, fitting 360 px to 1920 px.
Screenshots of each role's home go to tests/browser/screenshots/."""
import pytest

from mooc.catalog.models import Enrollment
from mooc.extensions import db as _db
from tests.browser.shots import DESKTOP, WIDE, shoot
from tests.catalog_factories import make_course
from tests.conftest import PHONE, assert_fits_width, browser_login
from tests.dashboard import data as gen

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def people(app, make_user):
    data = gen.build_committee()
    gen.assign(data)
    ids = gen.bulk_members(data, 20, seed=7)
    gen.bulk_study(data, ids, seed=8)
    member = make_user(username="home-member", name="首页党员", org=data.b11)
    _db.session.add(Enrollment(user_id=member.id, course_id=data.courses[0].id))
    teacher = make_user(username="home-teacher", name="首页教员", role="instructor")
    make_course("教员草稿课", owner=teacher, published=False)
    names = {"member": "home-member", "teacher": "home-teacher", "lead": data.lead1.username}
    _db.session.commit()
    return names


@pytest.mark.parametrize("size", [PHONE, DESKTOP, WIDE], ids=["360", "1366", "1920"])
def test_each_role_home(open_page, people, size):
    expected = {"member": ["继续学习", "必修课程", "年学时", "新课与更新"],
                "teacher": ["我的课程", "待处理", "教员草稿课"],
                "lead": ["学习概况", "必修完成率"]}
    for role, texts in expected.items():
        page = open_page(size)
        browser_login(page, people[role])
        page.goto("/home")
        content = page.locator("#main").inner_text()
        for text in texts:
            assert text in content, (role, text)
        assert "我的信息" not in content
        assert_fits_width(page)
        shoot(page, f"{role}-home")
