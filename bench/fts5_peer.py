"""The side-by-side peer for the search figures: SQLite FTS5 with the trigram tokenizer
over the same documents, answering the same queries (top 10 by bm25, with a snippet).

How it is queried (what an application on FTS5 trigram would do): each query part of
three or more characters is a quoted MATCH string (parts ANDed); a part of one or two
characters (党建 – trigrams cannot match it) becomes a LIKE condition, which scans.
Latin-letter pinyin (dangjian) finds nothing: the text has no pinyin. Counts are exact
(a second COUNT query), as the search page shows them.
"""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path


def build(path: Path, docs) -> dict:
    if path.exists():
        path.unlink()
    con = sqlite3.connect(str(path))
    con.execute("CREATE VIRTUAL TABLE docs USING fts5(doc_id UNINDEXED, title, body, tags,"
                " tokenize='trigram')")
    started = time.perf_counter()
    with con:
        con.executemany("INSERT INTO docs VALUES (?, ?, ?, ?)",
                        ((d["doc_id"], d["title"], d["body"], ", ".join(d.get("tags") or ()))
                         for d in docs))
    seconds = time.perf_counter() - started
    con.close()
    return {"docs": len(docs), "seconds": round(seconds, 2),
            "docs_per_s": round(len(docs) / seconds, 1),
            "index_mb": round(path.stat().st_size / 2 ** 20, 1)}


def _where(text: str):
    matches, likes, args = [], [], []
    for part in text.split():
        if len(part) >= 3:
            matches.append('"' + part.replace('"', '""') + '"')
        else:
            likes.append("(title LIKE ? OR body LIKE ? OR tags LIKE ?)")
            args += [f"%{part}%"] * 3
    clauses = (["docs MATCH ?"] if matches else []) + likes
    return " AND ".join(clauses), ([" AND ".join(matches)] if matches else []) + args


def search(con, text: str, limit: int = 10):
    where, args = _where(text)
    rows = con.execute(
        f"SELECT doc_id, title, snippet(docs, 2, '<mark>', '</mark>', '…', 24) FROM docs "
        f"WHERE {where} ORDER BY bm25(docs) LIMIT ?", (*args, limit)).fetchall()
    total = con.execute(f"SELECT count(*) FROM docs WHERE {where}", args).fetchone()[0]
    return total, rows


def latencies(path: Path, queries, rounds: int, pct) -> dict:
    con = sqlite3.connect(str(path))
    for q in queries:
        search(con, q)
    lat, hits = [], []
    for _ in range(rounds):
        for q in queries:
            t = time.perf_counter()
            total, _rows = search(con, q)
            lat.append(time.perf_counter() - t)
            hits.append(total)
    con.close()
    return {"queries": len(lat), "p50_ms": round(pct(lat, 0.5) * 1000, 2),
            "p95_ms": round(pct(lat, 0.95) * 1000, 2),
            "p99_ms": round(pct(lat, 0.99) * 1000, 2),
            "max_ms": round(max(lat) * 1000, 2), "mean_hits": round(sum(hits) / len(hits))}
