"""The hostile corpus (tests/security/corpus/*.json) against one gunicorn server, its worst request time
printed next to GET /healthz latency: idle, and while the corpus runs on another connection (does
hostile traffic starve a health check?).

    .venv/bin/python bench/bench_security.py [--workers 2] [--passes 1] [--json FILE]

Starts gunicorn with the production config (journey_app/web/gunicorn_conf.py) on a free 127.0.0.1 port,
with the test suite's set-up: a canary outside the build folders, a content copy with a scenario that
is not UTF-8, rate limits off (the corpus measures the work, not the limiter). Stops it by its own PID.
Numbers only: nothing asserts (tests/security/test_corpus.py does).
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from latency import describe, summary_header, summary_row, write_json  # noqa: E402

from journey_app import paths  # noqa: E402
from journey_app.toolchain.jail import jail_level  # noqa: E402
from tests.reliability.workers import rss_kib, worker_pids  # noqa: E402
from tests.scale.servers import request, start_gunicorn  # noqa: E402
from tests.security.conftest import plant  # noqa: E402
from tests.security.corpus import build_request, load_cases  # noqa: E402


def healthz_times(port: int, count: int, stop: threading.Event | None = None) -> list[float]:
    times = []
    while len(times) < count or (stop is not None and not stop.is_set()):
        started = time.perf_counter()
        request(port, "GET", "/healthz", timeout=30)
        times.append(time.perf_counter() - started)
        if stop is None and len(times) >= count:
            break
        if stop is not None:
            time.sleep(0.01)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--passes", type=int, default=1)
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args()
    cases = load_cases()
    workdir = Path(tempfile.mkdtemp(prefix="journey-bench-security-"))
    try:
        canary, secret = plant(workdir)
        content = workdir / "content"
        shutil.copytree(paths.bundled_content_root(), content)
        (content / "scenarios" / "2.6.31" / "zz-not-utf8.toml").write_bytes(b'title = "\xff"\n')
        database = workdir / "journey.sqlite3"
        token = secrets.token_urlsafe(16)
        server = start_gunicorn("bench-security", workdir, {
            "JOURNEY_CONTENT": str(content), "DATABASE_URL": f"sqlite:///{database}", "JOURNEY_INSTRUCTOR_TOKEN": token,
            "JOURNEY_GRADE_RATE": "0", "JOURNEY_RUN_RATE": "0"}, workers=args.workers)
        values = {"canary": str(canary), "database": str(database), "instructor_token": token, "query_token": "q"}
        kernel = (content / "kernels/2.6.31/arch/x86/lguest/i386_head.S").read_text()
        try:
            idle = healthz_times(server.port, 300)
            rss_before = sum(rss_kib(p) for p in worker_pids(server.proc.pid))
            stop = threading.Event()
            during: list[float] = []
            poller = threading.Thread(target=lambda: during.extend(healthz_times(server.port, 1, stop)))
            poller.start()
            timings, statuses, leaks = [], {}, 0
            for _ in range(args.passes):
                for case in cases:
                    req = build_request(case, values, kernel, lambda rel: (content / "kernels/2.6.31" / rel).read_text(errors="replace"))
                    started = time.perf_counter()
                    resp = request(server.port, req.method, req.path, req.body, req.headers, timeout=60)
                    timings.append((time.perf_counter() - started, case.id))
                    statuses[resp.status // 100] = statuses.get(resp.status // 100, 0) + 1
                    leaks += secret.encode() in resp.body
            stop.set()
            poller.join()
            rss_after = sum(rss_kib(p) for p in worker_pids(server.proc.pid))
        finally:
            server.stop()
        leaks += secret.encode() in server.log.read_bytes()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    worst = sorted(timings, reverse=True)[:5]
    result = {
        "cases": len(cases), "passes": args.passes, "jail": jail_level(),
        "corpus": describe([t for t, _ in timings]), "worst": [{"case": c, "ms": 1000 * t} for t, c in worst],
        "healthz_idle": describe(idle), "healthz_during_corpus": describe(during),
        "statuses": {f"{k}xx": v for k, v in sorted(statuses.items())}, "canary_leaks": leaks,
        "worker_rss_kib": {"before": rss_before, "after": rss_after},
    }
    print(f"hostile corpus: {len(cases)} cases x {args.passes} pass(es), {args.workers} workers, jail {result['jail']}")
    print(summary_header())
    for name, key in (("GET /healthz (idle)", "healthz_idle"), ("GET /healthz (during the corpus)", "healthz_during_corpus"),
                      ("corpus request", "corpus")):
        print(summary_row(name, result[key]))
    print("worst corpus requests: " + ", ".join(f"{w['case']} {w['ms']:.0f} ms" for w in result["worst"]))
    print(f"worst corpus request / median idle /healthz: {result['corpus']['max_ms'] / result['healthz_idle']['median_ms']:.0f}x")
    print(f"statuses {result['statuses']}, canary leaks {leaks}, worker RSS {rss_before} -> {rss_after} KiB")
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
