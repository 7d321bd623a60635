"""What a search returns: hits with highlighted title and snippet, and the page."""
from __future__ import annotations

from dataclasses import dataclass

from mooc.search.highlight import Needles, snippet_html, title_html


@dataclass
class SearchHit:
    doc_id: str
    kind: str
    course_id: int | None
    lesson_id: int | None
    lesson_kind: str | None
    title: str
    title_html: str
    url: str
    start_seconds: float | None
    snippet: str
    score: float


@dataclass
class SearchResults:
    query: str
    total: int
    page: int
    pagelen: int
    hits: list[SearchHit]
    suggestion: str | None = None
    partial: bool = False       # no document had every part: these match some part
    estimated: bool = False     # total is an estimate ("约 N 条")

    @property
    def page_count(self) -> int:
        return (self.total + self.pagelen - 1) // self.pagelen


def as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def make_hit(stored: dict, score, needles: Needles) -> SearchHit:
    title = stored.get("title", "")
    return SearchHit(
        doc_id=stored["doc_id"], kind=stored.get("kind", ""),
        course_id=as_int(stored.get("course_id")),
        lesson_id=as_int(stored.get("lesson_id")),
        lesson_kind=stored.get("lesson_kind"),
        title=title, title_html=title_html(title, needles),
        url=stored.get("url", ""), start_seconds=stored.get("start_seconds"),
        snippet=snippet_html(stored.get("body", ""), needles), score=float(score or 0.0),
    )
