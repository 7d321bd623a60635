"""Issue 15 item 9: page numbers are clamped by one helper, never a 500."""
import pytest

from mooc.core.pagination import MAX_PAGE, clamp_page
from tests.catalog_factories import make_course

HUGE = "9223372036854775807"


def test_clamp_page():
    assert [clamp_page(v) for v in (None, 0, -3, 1, 7, 10 ** 30, True)] == \
        [1, 1, 1, 1, 7, MAX_PAGE, 1]


@pytest.mark.parametrize("page", [HUGE, "99999999999999999999999", "-1", "abc", "50"])
def test_every_list_survives_silly_page_numbers(client, login_as, make_user, make_org, page):
    admin = login_as(role="admin")
    course = make_course(owner=admin)
    lead_org = make_org()
    for path in ("/courses", "/admin/users/", "/admin/audit", "/admin/certificates",
                 f"/author/courses/{course.id}/questions", "/author/courses", "/notifications"):
        response = client.get(f"{path}?page={page}")
        assert response.status_code == 200, (path, response.status_code)
    lead = make_user(role="branch_lead", org=lead_org)
    from tests.conftest import login
    client.post("/logout", data={"csrf_token": __import__("tests.conftest", fromlist=["x"])
                                 .csrf_token(client, "/home")})
    login(client, lead.username)
    response = client.get(f"/dashboard/members?page={page}")
    assert response.status_code == 200
