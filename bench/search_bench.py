"""Search engine figures: index build rate and query latency at 5k and 20k documents.

Uses mooc.search.engine directly (create_index / apply_changes / SearcherCache.search,
highlighting included: every hit's title_html and snippet are built), on the generated
corpus (bench/generate.py: built-in party-building vocabulary, or --corpus PATH).

The built indexes are cached under bench/work/search-v<DATA_VERSION>-<corpus>-<n>/ with
their build timings, so a re-run only measures queries (use --fresh to rebuild).
"""
from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

from bench import DATA_VERSION, WORK
from bench.generate import corpus

SINGLE = ["党建", "党章", "廉政", "民主", "组织生活", "学习", "群众", "纪律", "党员", "支部",
          "dangjian", "乡村振兴"]
MULTI = ["党员 学习", "民主集中制 原则", "三会一课 制度", "党史 学习教育", "全面从严治党 要求",
         "组织生活会 批评", "基层党组织 战斗堡垒", "理想信念 教育 党性修养"]
BATCH = 500
ROUNDS = 15


def log(msg):
    print(f"[search] {msg}", flush=True)


def _build(ix, docs):
    from mooc.search import engine
    started = time.perf_counter()
    for i in range(0, len(docs), BATCH):
        engine.apply_changes(ix, upserts=docs[i:i + BATCH], fresh=True)
    added = time.perf_counter() - started
    t = time.perf_counter()
    engine.optimize_index(ix)
    return added, time.perf_counter() - t


def _size_mb(path):
    return round(sum(f.stat().st_size for f in path.iterdir()) / 2 ** 20, 1)


def _pct(values, q):
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def _queries(path, budget=25.0):
    from mooc.search.engine import SearcherCache
    cache = SearcherCache(str(path))
    out = {}
    t = time.perf_counter()
    cache.search("党建")
    out["first_search_ms"] = round((time.perf_counter() - t) * 1000, 1)  # opens the searcher
    for label, queries in (("single-term", SINGLE), ("multi-term", MULTI)):
        for q in queries:           # warm-up
            cache.search(q, pagelen=10)
        lat, hits = [], []
        stop = time.monotonic() + budget / 2
        for _ in range(ROUNDS):
            if time.monotonic() > stop and len(lat) >= 3 * len(queries):
                break
            for q in queries:
                t = time.perf_counter()
                res = cache.search(q, pagelen=10)
                lat.append(time.perf_counter() - t)
                hits.append(res.total)
                for h in res.hits:          # highlighting is built in search(); touch it
                    assert h.snippet is not None
        out[label] = {"queries": len(lat), "p50_ms": round(_pct(lat, 0.5) * 1000, 2),
                      "p95_ms": round(_pct(lat, 0.95) * 1000, 2),
                      "p99_ms": round(_pct(lat, 0.99) * 1000, 2),
                      "max_ms": round(max(lat) * 1000, 2),
                      "mean_hits": round(sum(hits) / len(hits))}
    cache.close()
    return out


def run(*, docs_total=20000, first=5000, source=None, fresh=False, deadline=None):
    """`deadline` (time.monotonic): skip the large index when its projected build time
    (from the measured rate) would overrun it; the small index is always built."""
    from mooc.search import engine
    from mooc.search.analysis import init_jieba
    WORK.mkdir(parents=True, exist_ok=True)
    init_jieba(str(WORK))
    t = time.perf_counter()
    docs = corpus(docs_total, source=Path(source) if source else None)
    corpus_seconds = time.perf_counter() - t
    tag = "builtin" if not source else re.sub(r"[^a-zA-Z0-9]+", "-", Path(source).stem)
    root = WORK / f"search-v{DATA_VERSION}-{tag}-{docs_total}"
    marker = root / "build.json"
    first = min(first, docs_total)
    result = {"documents": docs_total, "corpus": tag,
              "mean_body_chars": round(sum(len(d["body"]) for d in docs) / len(docs)),
              "corpus_seconds": round(corpus_seconds, 1)}
    build = None
    if not fresh and marker.is_file():
        try:
            build = json.loads(marker.read_text())
            build["cached"] = True
            log(f"reusing indexes in {root.name} (built {build.get('built_at')})")
        except ValueError:
            build = None
    if build is None:
        if root.exists():
            shutil.rmtree(root)
        ix = engine.create_index(str(root / "ix-first"))
        log(f"indexing {first} documents …")
        add1, opt1 = _build(ix, docs[:first])
        shutil.copytree(root / "ix-first", root / "ix-all")
        build = {"first": {"docs": first, "add_seconds": round(add1, 1),
                           "optimize_seconds": round(opt1, 1),
                           "docs_per_s": round(first / (add1 + opt1), 1)}}
        build["index_mb"] = {"ix-first": _size_mb(root / "ix-first")}
        rate = first / (add1 + opt1)
        projected = (docs_total - first) / rate * 1.1 + 60
        if docs_total > first and deadline is not None and \
                time.monotonic() + projected > deadline:
            result["skipped"] = (f"{docs_total:,}-document index: projected build "
                                 f"{projected:.0f} s at {rate:.0f} docs/s exceeds the time "
                                 f"left ({deadline - time.monotonic():.0f} s); run "
                                 f"`python -m bench --skip load,media` once to build and "
                                 f"cache it")
            log(result["skipped"])
            shutil.rmtree(root / "ix-all")
            result[f"at_{first}"] = _queries(root / "ix-first")
            result["first"] = first
            result["build"] = build
            build["cached"] = False
            return result
        if docs_total > first:
            ix_all = engine.open_index(str(root / "ix-all"))
            log(f"indexing {docs_total - first} more documents …")
            add2, opt2 = _build(ix_all, docs[first:])
            build["rest"] = {"docs": docs_total - first, "add_seconds": round(add2, 1),
                             "optimize_seconds": round(opt2, 1),
                             "docs_per_s": round((docs_total - first) / (add2 + opt2), 1)}
        build["built_at"] = time.strftime("%Y-%m-%d %H:%M")
        build["index_mb"]["ix-all"] = _size_mb(root / "ix-all")
        marker.write_text(json.dumps(build))
        build["cached"] = False
    result["build"] = build
    log(f"querying at {first} documents")
    result[f"at_{first}"] = _queries(root / "ix-first")
    if docs_total > first:
        log(f"querying at {docs_total} documents")
        result[f"at_{docs_total}"] = _queries(root / "ix-all")
    result["first"] = first
    return result


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--corpus")
    parser.add_argument("--fresh", action="store_true")
    a = parser.parse_args()
    print(json.dumps(run(docs_total=a.docs, source=a.corpus, fresh=a.fresh), indent=1,
                     ensure_ascii=False))
