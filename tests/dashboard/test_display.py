"""Dashboard display details: small averages are not printed as 0 beside rows showing 0.1,
and the footnote names the time zone in words, not "Asia/Shanghai"."""
from flask import render_template_string

from tests.dashboard import data as gen

NUM = "{% import 'dashboard/_macros.html' as d %}{{ d.num(v) }}"


def test_hours_never_round_to_a_bare_zero(app):
    with app.test_request_context():
        shown = {v: render_template_string(NUM, v=v).strip()
                 for v in (0, 0.04, 0.1, 0.5, 1.0, 8.0, 8.25, 12.5)}
    assert shown == {0: "0", 0.04: "0.04", 0.1: "0.1", 0.5: "0.5", 1.0: "1", 8.0: "8",
                     8.25: "8.2", 12.5: "12.5"}


def test_footnote_names_the_time_zone_in_chinese(client, login_as):
    data = gen.build_committee()
    gen.assign(data)
    login_as(data.lead1)
    html = client.get("/dashboard/").get_data(as_text=True)
    assert "Asia/Shanghai" not in html and "北京时间" in html
