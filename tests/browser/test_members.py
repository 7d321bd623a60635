"""A lead resets a password and transfers a member, in Chromium at phone and laptop sizes."""
import pytest

from mooc.accounts.models import User
from mooc.extensions import db as _db
from tests.conftest import LAPTOP, PHONE, assert_fits_width, browser_login
from tests.members import world as world_module

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def world(app):
    data = world_module.build()
    ids = {"member": data.member.id, "other": data.other.id}
    _db.session.commit()  # end the read transaction: the live server needs the lock
    return ids


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_lead_resets_a_password_and_the_member_must_change_it(open_page, world, size):
    page = open_page(size)
    page.on("dialog", lambda dialog: dialog.accept())
    browser_login(page, "lead1")
    page.goto("/members/")
    assert_fits_width(page)
    page.fill("#main form[role=search] input[name=q]", "张三")
    page.click("#main form[role=search] button[type=submit]")
    page.locator("table a", has_text="查看").first.click()
    page.wait_for_load_state()
    assert_fits_width(page)
    page.click("#reset-password")
    page.wait_for_load_state()
    code = page.locator("#one-time-code").inner_text().strip()
    assert len(code) >= 8
    assert_fits_width(page)

    member = open_page(size)
    browser_login(member, "member1", code)
    assert "/account/password" in member.url
    member.goto("/home")
    assert "/account/password" in member.url  # nothing else until it is changed
    member.fill("input[name=old_password]", code)
    member.fill("input[name=new_password]", "Zhangsan2026")
    member.fill("input[name=confirm]", "Zhangsan2026")
    member.click("#main form button[type=submit]")
    member.wait_for_load_state()
    assert "/account/password" not in member.url
    assert_fits_width(member)


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_transfer_started_by_one_lead_and_accepted_by_the_other(open_page, world, size):
    sender = open_page(size)
    browser_login(sender, "lead1")
    sender.goto(f"/members/{world['member']}")
    sender.select_option("select[name=tr-to_org]", str(world["other"]))
    sender.fill("input[name=tr-note]", "工作调动")
    sender.click("#start-transfer")
    sender.wait_for_load_state()
    assert "已发起转接" in sender.content()
    assert_fits_width(sender)
    sender.goto("/members/transfers")
    assert "张三" in sender.content()
    assert_fits_width(sender)

    receiver = open_page(size)
    browser_login(receiver, "lead2")
    receiver.goto("/members/transfers")
    assert_fits_width(receiver)
    receiver.locator("button.accept-transfer").first.click()
    receiver.wait_for_load_state()
    assert "已接收转入" in receiver.content()
    _db.session.rollback()
    assert _db.session.get(User, world["member"]).org_id == world["other"]
