"""The reading side of the whole Journey, side by side in one run on one gunicorn server: chapter pages,
the contents, a stage, a cross-reference and a search against GET /healthz; then page weights.

    .venv/bin/python bench/bench_pages.py [--duration 3] [--rounds 3] [--connections 20] [--workers 2]
                                          [--json FILE]

Starts gunicorn (production config, access log to /dev/null) on a free 127.0.0.1 port through
bench_server.start_server, warms every page once (pages are rendered once per content hash and then
served from the page cache), and drives each URL with wrk in turn, healthz first and last, for several
interleaved rounds (medians are reported: the machine is shared and drifts); the "brotli" phases send
Accept-Encoding: br as browsers do (the compressed page is kept beside the page). Then weighs
the contents page, and every chapter page, and the heaviest of them with its CSS and scripts
(page_weight.by_parsing), and times every URL in process (CPU per request through the Flask test
client, the steadier measure on a busy machine). Targets (issue 12): chapter ≥ 0.7× healthz, contents < 100 KB, biggest
chapter page with assets < 300 KB. Numbers only: nothing asserts. Stops gunicorn by the PID it started.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_api import wrk  # noqa: E402
from latency import write_json  # noqa: E402
from bench_server import machine, start_server, stop_server, tool_versions  # noqa: E402
from page_weight import by_parsing  # noqa: E402

PHASES = [
    ("healthz", "/healthz"),
    ("chapter H:205", "/chapters/H-205"),
    ("chapter G:033", "/chapters/G-033"),
    ("chapter G:038 (boot.c)", "/chapters/G-038"),
    ("chapter G:033, brotli", "/chapters/G-033"),
    ("chapter G:038, brotli", "/chapters/G-038"),
    ("chapter L:010 (lguest.c)", "/chapters/L-010"),
    ("chapter H:205 ?hl=", "/chapters/H-205?hl=166-179"),
    ("contents", "/"),
    ("stage Host", "/stages/H"),
    ("xref interrupt_pending", "/ident/2.6.31/interrupt_pending"),
    ("search", "/search?q=interrupt_pending"),
    ("healthz (again)", "/healthz"),
]
TARGETED = ("chapter H:205", "chapter G:033", "chapter G:038 (boot.c)", "chapter G:033, brotli",
            "chapter G:038, brotli")   # plain, assembler and C explorer pages
# Browsers send Accept-Encoding: these phases do too (a Lua script for wrk, a header in process).
BROTLI = {"Accept-Encoding": "br"}
BROTLI_LUA = 'wrk.headers["Accept-Encoding"] = "br"\n'
CONTENTS_BUDGET = 100 * 1000
CHAPTER_BUDGET = 300 * 1000


def fetch(url: str, headers: dict | None = None) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {})) as response:
        return response.read()


def in_process(rounds: int = 5, requests: int = 200) -> dict:
    """Per-request CPU time of each URL through the app itself (Flask test client, no sockets), the
    best of several interleaved rounds: a shared machine's noise only ever adds time."""
    import tempfile
    import time

    from journey_app.web import create_app

    client = create_app({"cache_dir": tempfile.mkdtemp(prefix="bench-pages-")}).test_client()
    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, path in PHASES:
            headers = BROTLI if "brotli" in name else {}
            client.get(path, headers=headers).close()
            start = time.process_time()
            for _ in range(requests):
                client.get(path, headers=headers).close()
            spent = (time.process_time() - start) / requests * 1000
            best[name] = min(best.get(name, spent), spent)
    return best


def weights(base: str) -> dict:
    chapters = json.loads(fetch(base + "/index.json"))["journey_order"]
    sizes = {c["id"]: len(fetch(base + c["url"])) for c in chapters}
    biggest = max(sizes, key=lambda k: sizes[k])
    url = base + next(c["url"] for c in chapters if c["id"] == biggest)
    resources = by_parsing(url)
    with_assets = sum(r["bytes"] for r in resources)
    on_the_wire = sum(len(fetch(r["url"], BROTLI)) for r in resources)     # as the app sends them to a browser
    return {"contents_bytes": len(fetch(base + "/")), "chapters": len(sizes), "biggest_chapter": biggest,
            "biggest_chapter_bytes": sizes[biggest], "biggest_chapter_with_assets": with_assets,
            "biggest_chapter_brotli": len(fetch(url, BROTLI)), "biggest_chapter_with_assets_brotli": on_the_wire,
            "median_chapter_bytes": sorted(sizes.values())[len(sizes) // 2]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="each URL is measured this many times, interleaved")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    proc, base, log, cache = start_server(args.workers)
    lua = Path(cache) / "brotli.lua"
    lua.write_text(BROTLI_LUA)
    results: dict = {"machine": machine(), "tools": tool_versions(), "phases": {},
                     "load_average": {"start": os.getloadavg()}}
    try:
        for _ in range(args.workers * 4):  # every worker renders each page once before it is measured
            for _name, path in PHASES:
                fetch(base + path)
        # A shared machine drifts: rounds interleave the URLs and the median of each is kept.
        runs: dict[str, list[dict]] = {name: [] for name, _ in PHASES}
        for _ in range(args.rounds):
            for name, path in PHASES:
                runs[name].append(wrk(base + path, args.duration, args.connections, args.threads,
                                      script=lua if "brotli" in name else None))
        for name, measured in runs.items():
            r = sorted(measured, key=lambda m: m["rps"])[len(measured) // 2]
            results["phases"][name] = {**{k: v for k, v in r.items() if k != "raw"},
                                       "rounds": [m["rps"] for m in measured]}
            print(f"{name:28} {r['rps']:9.0f} req/s  p50 {r['p50']} ms  p99 {r['p99']} ms  non-2xx "
                  f"{sum(m['non2xx'] for m in measured)}  rounds {[round(m['rps']) for m in measured]}")
        results["weights"] = weights(base)
    finally:
        stop_server(proc)
    healthz = min(results["phases"]["healthz"]["rps"], results["phases"]["healthz (again)"]["rps"])
    print(f"\nratios to healthz (medians; the lower of the two healthz phases, {healthz:.0f} req/s):")
    for name, r in results["phases"].items():
        if not name.startswith("healthz"):
            print(f"  {name:28} {r['rps'] / healthz:5.2f}×" + ("   (target ≥ 0.7×)" if name in TARGETED else ""))
    results["in_process_ms"] = cpu = in_process()
    print("\nin process (CPU ms per request, best of 5 rounds; ratio = healthz's time / the page's):")
    for name, ms in cpu.items():
        if name != "healthz (again)":
            print(f"  {name:28} {ms:7.3f} ms  {cpu['healthz'] / ms:5.2f}×")
    w = results["weights"]
    print(f"\ncontents page: {w['contents_bytes']} bytes (target < {CONTENTS_BUDGET})")
    print(f"biggest of {w['chapters']} chapter pages: {w['biggest_chapter']} {w['biggest_chapter_bytes']} bytes, "
          f"{w['biggest_chapter_with_assets']} with CSS and scripts (target < {CHAPTER_BUDGET}); "
          f"median {w['median_chapter_bytes']}")
    print(f"  with brotli, as a browser gets them: {w['biggest_chapter_brotli']} bytes, "
          f"{w['biggest_chapter_with_assets_brotli']} with CSS and scripts")
    results["load_average"]["end"] = os.getloadavg()
    print(f"load average (1, 5, 15 min): at the start {results['load_average']['start']}, "
          f"at the end {results['load_average']['end']}")
    print(f"machine: {results['machine']}\ngunicorn log: {log}")
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
