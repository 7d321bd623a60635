"""Issue 14: no combination of q, course, kind and page answers 5xx or shows what
the user may not see – not in hits, counts, nor the "did you mean" suggestion."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mooc.search import services
from tests.catalog_factories import make_course, make_lesson

HIDDEN_TITLE = "机密党员专题"
HIDDEN_TEXTS = (HIDDEN_TITLE, "机密内容", "机密课时")   # never typed by the strategies
QUERY_WORDS = ["党建", "党健", "机秘", "机密", "党圆", "党员", "dangjian", "jimi", "第53条",
               "第五十三条", "收叫", "online", "党费 online", "AND", '"', "*", "😀", "\\",
               " ", "a" * 300, "%00", "title:x", "党", "学习 强国 党建 党章 纪律"]


@pytest.fixture
def site(app, db, make_org, make_user):
    committee = make_org("党委", "committee")
    inside = make_org("甲支部", "branch", committee)
    outside = make_org("乙支部", "branch", committee)
    hidden = make_course(HIDDEN_TITLE, visibility="restricted", orgs=[inside],
                         body="机密内容：党员学习资料。")
    make_lesson(hidden, "机密课时", body="党费 第五十三条")
    public = make_course("党建工作入门", body="党费收缴与党建。")
    make_lesson(public, "第53条解读", body="纪律处分的规定。")
    services.rebuild()
    return {"public": public.id, "hidden": hidden.id,
            "learner": make_user(org=outside, username="outsider14"),
            "admin": make_user(role="admin", username="admin14")}


queries = st.one_of(st.sampled_from(QUERY_WORDS), st.text(max_size=30),
                    st.lists(st.sampled_from(QUERY_WORDS), max_size=4).map(" ".join))
values = st.one_of(st.none(), st.sampled_from(["", "0", "-1", "x", "99999999999", "1e3",
                                               "１", " 2", "course", "transcript"]),
                   st.integers(-5, 10 ** 12).map(str), st.text(max_size=8))
kinds = st.one_of(st.none(), st.sampled_from(["course", "lesson", "attachment",
                                              "transcript", "quiz", ""]), st.text(max_size=8))


@pytest.mark.parametrize("who", ["learner", "admin"])
def test_no_combination_of_q_course_kind_page_fails_or_leaks(site, client, login_as, who):
    login_as(site[who])
    course_values = st.one_of(values, st.sampled_from([str(site["public"]),
                                                       str(site["hidden"])]))

    @settings(max_examples=50, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(q=queries, course=course_values, kind=kinds, page=values)
    def check(q, course, kind, page):
        args = {k: v for k, v in (("q", q), ("course", course), ("kind", kind),
                                  ("page", page)) if v is not None}
        response = client.get("/search", query_string=args)
        assert response.status_code == 200
        if who == "learner":
            page_text = response.get_data(as_text=True)
            assert not any(secret in page_text for secret in HIDDEN_TEXTS)

    check()


def test_learner_gets_no_suggestion_from_a_hidden_title(site, client, login_as):
    login_as(site["learner"])
    page = client.get("/search", query_string={"q": "机秘", "course": site["hidden"]})
    assert page.status_code == 200 and "您是不是要找" not in page.get_data(as_text=True)
    page = client.get("/search", query_string={"q": "机秘", "kind": "transcript"})
    assert page.status_code == 200 and "您是不是要找" not in page.get_data(as_text=True)


def test_admin_gets_the_suggestion(site, client, login_as):
    login_as(site["admin"])
    page = client.get("/search", query_string={"q": "机秘"}).get_data(as_text=True)
    assert "您是不是要找" in page and "机密" in page
