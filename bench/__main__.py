"""`python -m bench` (what `make bench` runs). See bench/README.md.

    python -m bench [--fresh] [--corpus PATH] [--members N] [--duration S] [--logins N]
                    [--search-docs N] [--skip load,search,media] [--quick]

Every part runs even when another failed; a part that cannot run is reported as
skipped with the reason. Writes bench/results.md and bench/results-<timestamp>.json.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback

# Point the app at the bench's own database/media/index BEFORE anything imports config.
from bench import BENCH_DIR, apply_env, bench_env, external_database_url, external_redis_url


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("--fresh", action="store_true",
                   help="regenerate the database, corpus index and clip even if cached")
    p.add_argument("--corpus", help="real Chinese text (.md/.txt) or question-bank JSON for the "
                                    "search corpus (read in place, never copied into the repo)")
    p.add_argument("--members", type=int, default=10000)
    p.add_argument("--duration", type=float, default=60, help="seconds per load mix")
    p.add_argument("--logins", type=int, default=120, help="members signed in for the load run")
    p.add_argument("--beat-interval", type=float, default=1.0,
                   help="VIDEO_HEARTBEAT_SECONDS of the bench server")
    p.add_argument("--search-docs", type=int, default=20000)
    p.add_argument("--skip", default="", help="comma list of: load, search, media")
    p.add_argument("--budget", type=float, default=14.0,
                   help="minutes for the whole run: the 20k search index is skipped (with the "
                        "reason) when its projected build time would overrun it")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 1,000 members, 5 s mixes, 2,000 search docs")
    p.add_argument("--output", help="default bench/results.md, bench/results-postgresql.md with "
                                    "DATABASE_URL set (--quick: bench/work/results-quick.md)")
    args = p.parse_args(argv)
    if args.quick:
        args.members, args.duration, args.search_docs, args.logins = 1000, 5, 2000, 40
    # A PostgreSQL run gets its own file, so both figures stay side by side in the repo.
    default = "results-postgresql.md" if external_database_url() else "results.md"
    args.output = args.output or str(BENCH_DIR / "work" / "results-quick.md" if args.quick
                                     else BENCH_DIR / default)
    return args


def part(name, results, fn):
    print(f"\n=== {name} ===", flush=True)
    t = time.perf_counter()
    try:
        value = fn()
    except Exception as exc:  # noqa: BLE001 - one failing part must not sink the rest
        traceback.print_exc()
        results["skipped"][name] = f"{type(exc).__name__}: {exc}"
        value = None
    results.setdefault("part_seconds", {})[name] = round(time.perf_counter() - t, 1)
    return value


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    apply_env(bench_env(args.members))
    from bench import generate, load, media_bench, report, search_bench

    started = time.perf_counter()
    res = {"date": time.strftime("%Y-%m-%d %H:%M %Z"),
           "args": " ".join(sys.argv[1:] if argv is None else argv) or "(defaults)",
           "skipped": {}, "machine": report.machine(), "versions": report.versions(),
           "load_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
           "yardstick_start": report.yardstick(),
           "database": "PostgreSQL (DATABASE_URL)" if external_database_url() else "SQLite (WAL)",
           "queue": "Redis (REDIS_URL)" if external_redis_url() else "huey SQLite storage"}
    manifest = part("generate", res, lambda: generate.generate(args.members, fresh=args.fresh))
    if manifest:
        res["generate"] = {k: v for k, v in manifest.items() if k not in ("courses", "logins")}
    if "load" in skip:
        res["skipped"]["load"] = "--skip load"
    elif manifest:
        res["load"] = part("load", res, lambda: load.run(
            manifest, args.members, duration=args.duration, logins=args.logins,
            beat_interval=args.beat_interval))
    else:
        res["skipped"]["load"] = "no generated data"
    if "media" in skip:
        res["skipped"]["media"] = "--skip media"
    else:
        res["media"] = part("media", res, media_bench.run)
    if "search" in skip:
        res["skipped"]["search"] = "--skip search"
    else:
        res["search"] = part("search", res, lambda: search_bench.run(
            docs_total=args.search_docs, first=min(5000, args.search_docs),
            source=args.corpus, fresh=args.fresh,
            deadline=time.monotonic() - (time.perf_counter() - started) + args.budget * 60))
    res["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    res["yardstick_end"] = report.yardstick()
    res["total_seconds"] = round(time.perf_counter() - started, 1)

    stamp = time.strftime("%Y%m%d-%H%M%S")
    (BENCH_DIR / f"results-{stamp}.json").write_text(json.dumps(res, ensure_ascii=False, indent=1))
    try:
        md = report.render(res)
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(md)
        print(f"\nwrote {args.output}")
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        print(f"report failed; raw figures in bench/results-{stamp}.json")
    print("\n" + report.summary(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
