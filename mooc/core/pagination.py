"""One way to read `?page=` and paginate a query (issue 15).

`?page=9223372036854775807` used to reach the database as an OFFSET no column type
holds (a 500). Every list goes through here: the number is clamped to 1…MAX_PAGE, and
a page past the end shows the last page.
"""
from flask import request

from mooc.extensions import db

MAX_PAGE = 10_000


def clamp_page(value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        return 1
    return min(value, MAX_PAGE)


def page_arg(name="page"):
    """The clamped page number asked for in the query string (1 when absent or junk)."""
    return clamp_page(request.args.get(name, type=int))


def paginate(query, *, per_page, page=None):
    """`db.paginate` of `query` at the clamped page; past the end, the last page."""
    page = clamp_page(page_arg() if page is None else page)
    result = db.paginate(query, page=page, per_page=per_page, error_out=False)
    if page > 1 and not result.items and result.total:
        result = db.paginate(query, page=result.pages, per_page=per_page, error_out=False)
    return result
