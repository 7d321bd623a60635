def test_login_page_is_chinese(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "登录党建慕课" in response.get_data(as_text=True)


def test_login_lands_on_home(client, login_as):
    login_as(role="learner")
    response = client.get("/", follow_redirects=True)
    assert "您好" in response.get_data(as_text=True)
