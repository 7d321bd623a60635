"""Search engine figures: index build rate and query latency at 5k and 20k documents.

Uses mooc.search.engine directly, on the generated corpus (bench/generate.py: built-in
party-building vocabulary, or --corpus PATH):

* build: each index is built from scratch with engine.build_index – exactly what
  `flask search rebuild` does – and the indexer's path (apply_changes, batches of 500
  into a live index) is timed separately on a copy of the small index;
* queries: top-10 with highlighting through SearcherCache.search as the app calls it,
  with the result cache OFF (every query really searches), plus one figure for a
  repeated query answered from the result cache.

The built indexes are cached under bench/work/searchidx-v<DATA_VERSION>-<corpus>-<n>/ with
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


def _build(path, docs):
    """A rebuild: one writer, one segment (engine.build_index)."""
    from mooc.search import engine
    ix = engine.create_index(str(path))
    started = time.perf_counter()
    engine.build_index(ix, (docs[i:i + BATCH] for i in range(0, len(docs), BATCH)))
    seconds = time.perf_counter() - started
    return {"docs": len(docs), "seconds": round(seconds, 1),
            "docs_per_s": round(len(docs) / seconds, 1), "index_mb": _size_mb(path)}


def _incremental(base, docs, work):
    """The indexer's path: batches of BATCH through apply_changes into a live index."""
    from mooc.search import engine
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(base, work)
    ix = engine.open_index(str(work))
    started = time.perf_counter()
    for i in range(0, len(docs), BATCH):
        engine.apply_changes(ix, upserts=docs[i:i + BATCH])
    seconds = time.perf_counter() - started
    shutil.rmtree(work)
    return {"docs": len(docs), "seconds": round(seconds, 1),
            "docs_per_s": round(len(docs) / seconds, 1)}


def _size_mb(path):
    return round(sum(f.stat().st_size for f in path.iterdir()) / 2 ** 20, 1)


def _pct(values, q):
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def _latencies(cache, queries, budget):
    for q in queries:           # warm-up: searcher opened, pages in the OS cache
        cache.search(q, pagelen=10)
    lat, hits = [], []
    stop = time.monotonic() + budget
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
    return {"queries": len(lat), "p50_ms": round(_pct(lat, 0.5) * 1000, 2),
            "p95_ms": round(_pct(lat, 0.95) * 1000, 2),
            "p99_ms": round(_pct(lat, 0.99) * 1000, 2),
            "max_ms": round(max(lat) * 1000, 2),
            "mean_hits": round(sum(hits) / len(hits))}


def _queries(path, budget=25.0):
    from mooc.search.searcher_cache import SearcherCache
    cold = SearcherCache(str(path), result_cache_size=0)
    out = {}
    t = time.perf_counter()
    cold.search("党建")
    out["first_search_ms"] = round((time.perf_counter() - t) * 1000, 1)  # opens the searcher
    out["single-term"] = _latencies(cold, SINGLE, budget / 2)
    out["multi-term"] = _latencies(cold, MULTI, budget / 2)
    cold.close()
    warm = SearcherCache(str(path))
    warm.search(MULTI[0])
    out["cached"] = _latencies(warm, [MULTI[0]], 1.0)
    warm.close()
    return out


def run(*, docs_total=20000, first=5000, source=None, fresh=False, deadline=None):
    """`deadline` (time.monotonic): skip the large index when its projected build time
    (from the rate measured on the small one) would overrun it."""
    from mooc.search.analysis import init_jieba
    WORK.mkdir(parents=True, exist_ok=True)
    init_jieba(str(WORK))
    t = time.perf_counter()
    docs = corpus(docs_total, source=Path(source) if source else None)
    corpus_seconds = time.perf_counter() - t
    tag = "builtin" if not source else re.sub(r"[^a-zA-Z0-9]+", "-", Path(source).stem)
    root = WORK / f"searchidx-v{DATA_VERSION}-{tag}-{docs_total}"
    marker = root / "build.json"
    first = min(first, docs_total)
    sizes = [first] + ([docs_total] if docs_total > first else [])
    result = {"documents": docs_total, "corpus": tag, "first": first,
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
        root.mkdir(parents=True)
        build = {"cached": False}
        for n in sizes:
            if n != first and deadline is not None:
                rate = build[str(first)]["docs_per_s"]
                projected = n / rate * 1.1 + 30
                if time.monotonic() + projected > deadline:
                    result["skipped"] = (
                        f"{n:,}-document index: projected build {projected:.0f} s at "
                        f"{rate:.0f} docs/s exceeds the time left "
                        f"({deadline - time.monotonic():.0f} s); run `python -m bench "
                        f"--skip load,media` once to build and cache it")
                    log(result["skipped"])
                    sizes = [first]
                    break
            log(f"building the {n:,}-document index …")
            build[str(n)] = _build(root / f"ix-{n}", docs[:n])
        extra = docs[first:first + 1000] if docs_total > first else []
        if extra:
            log("indexer path: 1,000 documents into the small index in batches …")
            build["incremental"] = _incremental(root / f"ix-{first}", extra, root / "ix-tmp")
        build["built_at"] = time.strftime("%Y-%m-%d %H:%M")
        if "skipped" not in result:
            marker.write_text(json.dumps(build))
    result["build"] = build
    for n in sizes:
        if not (root / f"ix-{n}").is_dir():
            continue
        log(f"querying at {n:,} documents")
        result[f"at_{n}"] = _queries(root / f"ix-{n}")
    result["fts5"] = _fts5_peer(root, docs[:sizes[-1]])
    return result


def _fts5_peer(root, docs):
    """SQLite FTS5 (trigram) over the same documents and queries, in the same run."""
    from bench import fts5_peer
    log(f"FTS5 trigram peer at {len(docs):,} documents")
    path = root / f"fts5-{len(docs)}.sqlite3"
    out = {"docs": len(docs), "build": fts5_peer.build(path, docs)}
    out["single-term"] = fts5_peer.latencies(path, SINGLE, ROUNDS, _pct)
    out["multi-term"] = fts5_peer.latencies(path, MULTI, ROUNDS, _pct)
    path.unlink()
    return out


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--corpus")
    parser.add_argument("--fresh", action="store_true")
    a = parser.parse_args()
    print(json.dumps(run(docs_total=a.docs, source=a.corpus, fresh=a.fresh), indent=1,
                     ensure_ascii=False))
