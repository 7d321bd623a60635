"""Issue 15 item 12: weak passwords are refused, and the rule is explained in Chinese."""
import pytest

from mooc.accounts import services
from tests import factories
from tests.conftest import csrf_token


@pytest.mark.parametrize("password, username", [
    ("password1", "zhangsan"), ("aaaaaaa1", "zhangsan"), ("user18user18", "user18"),
    ("zhangsan2024", "zhangsan"), ("qwerty123", "lisi"), ("12345678a", "lisi")])
def test_weak_passwords_are_refused(app, password, username):
    with pytest.raises(services.AccountError):
        services.check_password_strength(password, username=username)


@pytest.mark.parametrize("password", ["Hongqi2026x", "Kq7hzvLm2p", "Dangjian@2024"])
def test_reasonable_passwords_pass(app, password):
    services.check_password_strength(password, username="zhangsan", name="张三")


def test_the_form_explains_the_rule_and_refuses_password1(client, login_as):
    login_as(username="ruleuser")
    page = client.get("/account/password").get_data(as_text=True)
    assert "不能包含账号名" in page and "常见密码" in page
    response = client.post("/account/password", data={
        "csrf_token": csrf_token(client, "/account/password"),
        "old_password": factories.PASSWORD, "new_password": "password1",
        "confirm": "password1"})
    assert "太容易被猜到" in response.get_data(as_text=True)
    response = client.post("/account/password", data={
        "csrf_token": csrf_token(client, "/account/password"),
        "old_password": factories.PASSWORD, "new_password": "ruleuser99",
        "confirm": "ruleuser99"})
    assert "不能包含账号名" in response.get_data(as_text=True)
