"""Reading numbers back from the dashboard pages (rows carry data-* attributes)."""
import csv
import io
from html.parser import HTMLParser


class _Rows(HTMLParser):
    def __init__(self, row_attr):
        super().__init__()
        self.row_attr, self.rows, self.current = row_attr, {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and self.row_attr in attrs:
            self.current = self.rows.setdefault(attrs[self.row_attr], {})
        elif tag == "td" and self.current is not None and "data-value" in attrs:
            self.current[attrs.get("data-label")] = attrs["data-value"]

    def handle_endtag(self, tag):
        if tag == "tr":
            self.current = None


def table_rows(html, row_attr):
    """{row id: {column label: data-value}} for rows marked with `row_attr`."""
    parser = _Rows(row_attr)
    parser.feed(html)
    return parser.rows


def read_csv(data):
    assert data.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def export(client, view="members", fmt="csv", **filters):
    from tests.conftest import csrf_token
    token = csrf_token(client, "/dashboard/")
    return client.post("/dashboard/export", data={"csrf_token": token, "view": view, "fmt": fmt,
                                                  **{k: str(v) for k, v in filters.items()}})
