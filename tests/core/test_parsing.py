import pytest

from mooc.core.parsing import ascii_int


@pytest.mark.parametrize("text, expected", [
    ("42", 42), (" 7 ", 7), ("007", 7),
    ("²", None), ("①", None), ("٣", None), ("-1", None), ("1.5", None), ("", None),
    (None, None), (12, None), ("9" * 19, None),
])
def test_ascii_int_reads_only_plain_digits(text, expected):
    assert ascii_int(text) == expected


@pytest.mark.parametrize("url", ["/search?q=党建&course=²", "/search?q=党建&course=①"])
def test_unicode_digits_in_query_parameters_are_ignored_not_a_crash(client, login_as, url):
    login_as()
    assert client.get(url).status_code == 200
