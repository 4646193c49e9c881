"""Grading with and without storing the submission, against GET /healthz, on SQLite and on PostgreSQL in one
run (issue 11: grade-and-store ≥ 0.3× /healthz on both stores).

    .venv/bin/python bench/bench_store.py [--duration 4] [--rounds 3] [--connections 20] [--workers 2]
                                          [--postgres-url URL] [--json FILE]

For each store, one gunicorn server (bench_server.start_server: the production config, rate limits off so
the work is measured, not the limiter) and, interleaved for several rounds (the medians are kept: the
machine is shared and drifts), wrk on:

  healthz         GET /healthz
  grade           POST /api/labs/pending-restore-fl/grade with its model solution, not saved
  grade + store   the same with save=true for a class of 300 students (the student varies per request,
                  as a class submitting does): one committed row and the attempt counts per request

Ratios are against the same server's healthz. Then the same three requests in process (Flask test client, CPU
ms per request, best of 3 rounds: the steadier measure on a busy machine, without gunicorn's share of
healthz). PostgreSQL: --postgres-url, else JOURNEY_TEST_POSTGRES_URL,
else a throw-away server from .ci/postgres.sh on a free port, stopped at the end. Numbers only: nothing
asserts. Stops every server by the PID it started.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_api import counted_post_lua, free_port, lua_string, post, wrk  # noqa: E402
from bench_server import (ACTIONS_LAB, ROOT, machine, model_solution, start_server, stop_server,  # noqa: E402
                          write_post_lua)
from latency import write_json  # noqa: E402

STUDENTS = 300
# Each request saves for the next student of the class (`student <n>`), so attempt counts stay a class's.
CLASS_LUA = counted_post_lua("local path = {path}\nlocal before, after = {before}, {after}", "path",
                             'before .. "student " .. (counter % {students}) .. after')
PHASES = ("healthz", "grade", "grade + store", "healthz (again)")


def class_lua(folder: Path, path: str, body: dict) -> Path:
    before, after = json.dumps({**body, "save": True, "student": "\0"}).split("\\u0000")
    script = folder / "class.lua"
    script.write_text(CLASS_LUA.format(path=lua_string(path), before=lua_string(before), after=lua_string(after),
                                       students=STUDENTS))
    return script


def measure(database_url: str | None, args) -> dict:
    """{phase: median wrk result} on one server over `database_url` (None: a scratch SQLite file)."""
    proc, base, log, _cache = start_server(args.workers, database_url)
    try:
        grade_url = f"{base}/api/labs/{ACTIONS_LAB}/grade"
        body = model_solution(ACTIONS_LAB)
        status, answer = post(grade_url, {**body, "save": True, "student": "warm up"})
        if status != 200 or not answer.get("saved"):
            raise SystemExit(f"grade + store fails before the benchmark: {status} {answer}")
        for _ in range(10 * args.workers):   # every worker: lab files, build, checkpoints, the store's engine
            post(grade_url, body)
            post(grade_url, {**body, "save": True, "student": "warm up"})
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            targets = {"healthz": (base + "/healthz", None), "grade": (grade_url, write_post_lua(folder, "g", body)),
                       "grade + store": (grade_url, class_lua(folder, f"/api/labs/{ACTIONS_LAB}/grade", body)),
                       "healthz (again)": (base + "/healthz", None)}
            runs: dict[str, list[dict]] = {name: [] for name in PHASES}
            for _ in range(args.rounds):
                for name in PHASES:
                    url, script = targets[name]
                    result = wrk(url, args.duration, args.connections, args.threads, script)
                    result.pop("raw", None)
                    runs[name].append(result)
    finally:
        stop_server(proc)
    out = {}
    for name, measured in runs.items():
        middle = sorted(measured, key=lambda m: m["rps"])[len(measured) // 2]
        out[name] = {**middle, "rounds": [m["rps"] for m in measured],
                     "non2xx": sum(m["non2xx"] for m in measured)}
    out["log"] = log
    return out


def in_process(database_url: str, rounds: int = 3, requests: int = 60) -> dict:
    """CPU ms per request of healthz, grade and grade + store through the app itself, best of `rounds`."""
    import time

    from journey_app.web import create_app

    cache = tempfile.mkdtemp(prefix="bench-store-app-")
    client = create_app({"cache_dir": cache, "database_url": database_url, "grade_rate": 0,
                         "run_rate": 0}).test_client()
    path = f"/api/labs/{ACTIONS_LAB}/grade"
    body = model_solution(ACTIONS_LAB)
    calls = {"healthz": lambda i: client.get("/healthz"), "grade": lambda i: client.post(path, json=body),
             "grade + store": lambda i: client.post(path, json={**body, "save": True,
                                                                 "student": f"student {i % STUDENTS}"})}
    for i in range(20):
        for call in calls.values():
            call(i).close()
    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, call in calls.items():
            count = requests * (5 if name == "healthz" else 1)
            start = time.process_time()
            for i in range(count):
                call(i).close()
            best[name] = min(best.get(name, 1e9), (time.process_time() - start) / count * 1000)
    shutil.rmtree(cache, ignore_errors=True)
    return best


def throwaway_postgres() -> tuple[str, Path]:
    folder = Path(tempfile.mkdtemp(prefix="bench-store-pg-"))
    url = subprocess.run(["bash", str(ROOT / ".ci" / "postgres.sh"), "start", str(folder), str(free_port())],
                         capture_output=True, text=True, check=True).stdout.strip()
    return url, folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=4, help="seconds per wrk measurement")
    parser.add_argument("--rounds", type=int, default=3, help="each phase is measured this many times, interleaved")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres-url", default=os.environ.get("JOURNEY_TEST_POSTGRES_URL"))
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    pg_url, pg_folder = (args.postgres_url, None) if args.postgres_url else throwaway_postgres()
    load_before = os.getloadavg()
    results: dict = {"machine": machine(), "students": STUDENTS, "stores": {}}
    try:
        for store, url in (("SQLite", None), ("PostgreSQL", pg_url)):
            results["stores"][store] = measure(url, args)
        with tempfile.TemporaryDirectory() as tmp:
            results["in_process_ms"] = {"SQLite": in_process(f"sqlite:///{tmp}/store.sqlite3"),
                                        "PostgreSQL": in_process(pg_url)}
    finally:
        if pg_folder is not None:
            subprocess.run(["bash", str(ROOT / ".ci" / "postgres.sh"), "stop", str(pg_folder)],
                           capture_output=True, check=False)
            shutil.rmtree(pg_folder, ignore_errors=True)
    results["load_average"] = {"before": load_before, "after": os.getloadavg()}
    print(f"gunicorn {args.workers} sync workers, wrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
          f"{args.rounds} interleaved rounds (medians); grade + store: {STUDENTS} students")
    print(f"{'':28}{'req/s':>9}{'vs healthz':>12}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}  rounds")
    for store, phases in results["stores"].items():
        health = statistics.mean([phases["healthz"]["rps"], phases["healthz (again)"]["rps"]])
        phases["ratios_vs_healthz"] = {name: phases[name]["rps"] / health for name in PHASES}
        for name in PHASES:
            r = phases[name]
            print(f"{store + ' ' + name:28}{r['rps']:9.0f}{r['rps'] / health:11.2f}x{r['p50'] or 0:9.2f}"
                  f"{r['p99'] or 0:9.2f}{r['non2xx']:9d}  {[round(x) for x in r['rounds']]}")
        ratio = phases["ratios_vs_healthz"]["grade + store"]
        print(f"  {store}: grade + store / healthz = {ratio:.2f}x (target >= 0.3x: {'ok' if ratio >= 0.3 else 'MISSED'})")
    print("\nin process (CPU ms per request, best of 3 rounds; ratio = healthz's time / the request's):")
    for store, cpu in results["in_process_ms"].items():
        print(f"  {store:11}" + "  ".join(f"{name} {ms:.3f} ms ({cpu['healthz'] / ms:.2f}x)" for name, ms in cpu.items()))
    print("load average (1, 5, 15 min): before {:.2f} {:.2f} {:.2f}, after {:.2f} {:.2f} {:.2f}".format(
        *results["load_average"]["before"], *results["load_average"]["after"]))
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
