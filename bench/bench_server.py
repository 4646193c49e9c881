"""The server as a course sees it, measured side by side in one run on one gunicorn server: the live
machine, a chapter page and grading against GET /healthz, and the memory each worker holds after them.

    .venv/bin/python bench/bench_server.py [--duration 10] [--connections 50] [--workers 2]
                                           [--database-url URL] [--json FILE]

Starts gunicorn (the production config journey_app/web/gunicorn_conf.py, 2 sync workers, access log
to /dev/null, JOURNEY_GRADE_RATE=0 and JOURNEY_RUN_RATE=0 so the work is measured rather than the rate
limiter) on a free
127.0.0.1 port and drives it with wrk (apt-get install -y wrk), one endpoint at a time, in this order:

  healthz         GET /healthz (Flask + gunicorn alone; measured first and last, to show drift)
  run (same)      POST /api/run, one fixed 20-action body (a class opening one share link)
  chapter         GET /chapters/G-033 (the highlighted source and commentary page)
  grade (actions) POST /api/labs/pending-restore-fl/grade with its model solution (actions only; the
                  runs layer's checkpoints answer a repeated submission without replaying it)
  grade (varied)  the same with `set ebx N` put first, N per request: no earlier submission's
                  checkpoint applies, every grade replays the student's actions
  grade (edit)    POST /api/labs/irq-enable-fix/grade with its model solution (an edited line; the
                  build is cached after the first request, so this is replay + checks + JSON)
  grade (saved)   as grade (actions), with save=true for one student: a committed row per request
  run (varied)    POST /api/run, the 20th action differs per request (every request replays); last of
                  the runs because it fills the per-process checkpoint cache
  healthz (again)

and reads each worker's VmRSS (/proc) after every phase. The run pieces (Lua scripts, wrk parsing, the
20-action list) are bench/bench_api.py's. Prints the machine, tool versions, a table and the ratios;
stops gunicorn by the PID it started. Numbers only: nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import bench_api  # noqa: E402  (this folder: the run pieces are shared, not copied)
from bench_api import POST_LUA, VARIED_LUA, counted_post_lua, default_run, free_port, lua_string, post, wrk  # noqa: E402

from journey_app.labs import Submission  # noqa: E402

VENV_BIN = Path(sys.executable).parent
SUBMISSIONS = ROOT / "tests" / "labs" / "submissions"
CHAPTER = "/chapters/G-033"
METRICS_TOKEN = "bench-metrics"          # the scratch server's instructor token, to read /metrics
RSS_TARGET_MIB = 180                     # issue 11: a worker after the full mix
ACTIONS_LAB, EDIT_LAB = "pending-restore-fl", "irq-enable-fix"


# -- the machine and the tools ---------------------------------------------------------------------


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:"))
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(mem_kib / 1024 / 1024, 1),
            "kernel": platform.release()}


def tool_versions() -> dict:
    from importlib.metadata import version

    def first_line(cmd: list[str]) -> str:
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
            return (out.stdout or out.stderr).splitlines()[0].strip()
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "?"

    return {"python": platform.python_version(), "gunicorn": version("gunicorn"), "flask": version("flask"),
            "unicorn": version("unicorn"), "sqlalchemy": version("sqlalchemy"),
            "wrk": first_line(["wrk", "-v"]).split(" [")[0], "as": first_line(["as", "--version"])}


# -- the server and its workers --------------------------------------------------------------------


def worker_pids(master: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == master and fields[0] != "Z":
            pids.append(int(entry))
    return sorted(pids)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cache_metrics(base: str) -> dict[str, dict[str, int]]:
    """GET /metrics of whichever worker answers: {cache: {hits_total, misses_total, entries, bytes, ...}}."""
    req = urllib.request.Request(base + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    with urllib.request.urlopen(req, timeout=30) as response:
        text = response.read().decode()
    out: dict[str, dict[str, int]] = {}
    for metric, cache, value in re.findall(r'^journey_cache_(\w+)\{cache="([\w.]+)"\} (\d+)$', text, re.M):
        out.setdefault(cache, {})[metric] = int(value)
    return out


def start_server(workers: int, database_url: str | None = None) -> tuple[subprocess.Popen, str, str, str]:
    port = free_port()
    cache = tempfile.mkdtemp(prefix="bench-server-cache-")
    log = tempfile.NamedTemporaryFile(prefix="bench-server-", suffix=".log", delete=False)  # noqa: SIM115 (the server's)
    env = {**os.environ, "JOURNEY_HOST": "127.0.0.1", "JOURNEY_PORT": str(port), "WEB_CONCURRENCY": str(workers),
           "JOURNEY_CACHE": cache, "DATABASE_URL": database_url or f"sqlite:///{cache}/bench.sqlite3",
           "JOURNEY_GRADE_RATE": "0", "JOURNEY_RUN_RATE": "0",
           "GUNICORN_CMD_ARGS": "--access-logfile /dev/null", "JOURNEY_INSTRUCTOR_TOKEN": METRICS_TOKEN}
    proc = subprocess.Popen([str(VENV_BIN / "gunicorn"), "--config", "python:journey_app.web.gunicorn_conf",
                             "journey_app.web:create_app()"], cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        bench_api.wait_for(base + "/healthz", proc, log.name)
    except TypeError:                               # bench_api's older wait_for(url)
        bench_api.wait_for(base + "/healthz")
    return proc, base, log.name, cache


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM to the master we started (it stops its workers); SIGKILL to it alone if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- the workload -------------------------------------------------------------------------------------


def model_solution(lab: str) -> dict:
    """tests/labs/submissions/<lab>/solution.toml as an API grade body (edits as {"<line>": "<text>"})."""
    sub = Submission.load(SUBMISSIONS / lab / "solution.toml").to_json()
    body = {"actions": sub["actions"], "edits": {str(e["line"]): e["text"] for e in sub["edits"]},
            "answers": sub["answers"]}
    return {k: v for k, v in body.items() if v}


# Each request a different submission: `set ebx N` as the first action, so no checkpoint of an earlier
# request's prefix applies and every grade replays the lab's run from the scenario's start.
GRADE_VARIED_LUA = counted_post_lua("local path = {path}\nlocal actions = {actions}", "path",
                                    "'{{\"actions\":\"set ebx ' .. counter .. '; ' .. actions .. '\"}}'")


def write_post_lua(folder: Path, name: str, body: dict) -> Path:
    path = folder / f"{name}.lua"
    path.write_text(POST_LUA.format(body=lua_string(json.dumps(body))))
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="submissions store for grade (saved); default a scratch SQLite file")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")

    results: dict[str, dict] = {}
    memory: list[tuple[str, list[float]]] = []
    proc, base, log, _cache = start_server(args.workers, args.database_url)
    try:
        scenario, actions = default_run(base, None, None)
        pieces = [a.strip() for a in re.split(r"[;\n]", actions) if a.strip()]
        run_body = {"scenario": scenario, "actions": "; ".join(pieces)}
        grade_actions, grade_edit = model_solution(ACTIONS_LAB), model_solution(EDIT_LAB)
        checks = {"run": post(base + "/api/run", run_body),
                  "grade (actions)": post(f"{base}/api/labs/{ACTIONS_LAB}/grade", grade_actions),
                  "grade (edit)": post(f"{base}/api/labs/{EDIT_LAB}/grade", grade_edit)}
        for name, (status, answer) in checks.items():
            if status != 200:
                raise SystemExit(f"{name} fails before the benchmark: {status} {answer}")
        for _ in range(20):   # both workers: build, engine pool, checkpoints of the run and its prefix, lab files
            post(base + "/api/run", run_body)
            post(base + "/api/run", {**run_body, "actions": "; ".join(pieces[:-1])})
            post(f"{base}/api/labs/{ACTIONS_LAB}/grade", grade_actions)
            post(f"{base}/api/labs/{EDIT_LAB}/grade", grade_edit)
        workers = worker_pids(proc.pid)
        memory.append(("after warm-up", [rss_mib(p) for p in workers]))

        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            varied = folder / "varied.lua"
            varied.write_text(VARIED_LUA.format(prefix=lua_string("; ".join(pieces[:-1])),
                                                scenario=lua_string(scenario)))
            grade_varied = folder / "grade-varied.lua"
            grade_varied.write_text(GRADE_VARIED_LUA.format(path=lua_string(f"/api/labs/{ACTIONS_LAB}/grade"),
                                                            actions=lua_string(grade_actions["actions"])))
            phases = [
                ("healthz", base + "/healthz", None),
                ("run (same)", base + "/api/run", write_post_lua(folder, "run", run_body)),
                ("chapter", base + CHAPTER, None),
                ("grade (actions)", f"{base}/api/labs/{ACTIONS_LAB}/grade", write_post_lua(folder, "ga", grade_actions)),
                ("grade (varied)", f"{base}/api/labs/{ACTIONS_LAB}/grade", grade_varied),
                ("grade (edit)", f"{base}/api/labs/{EDIT_LAB}/grade", write_post_lua(folder, "ge", grade_edit)),
                ("grade (saved)", f"{base}/api/labs/{ACTIONS_LAB}/grade",
                 write_post_lua(folder, "gs", {**grade_actions, "student": "bench student", "save": True})),
                ("run (varied)", base + "/api/run", varied),    # last of the runs: it fills the checkpoint cache
                ("healthz (again)", base + "/healthz", None),
            ]
            for name, url, script in phases:
                results[name] = wrk(url, args.duration, args.connections, args.threads, script)
                results[name].pop("raw", None)
                memory.append((f"after {name}", [rss_mib(p) for p in worker_pids(proc.pid)]))
        restarted = worker_pids(proc.pid) != workers
        metrics = cache_metrics(base)
    finally:
        stop_server(proc)

    info, tools = machine(), tool_versions()
    health = (results["healthz"]["rps"] + results["healthz (again)"]["rps"]) / 2
    report = {"machine": info, "tools": tools, "workers": args.workers, "connections": args.connections,
              "threads": args.threads, "duration_s": args.duration,
              "store": "postgresql" if (args.database_url or "").startswith("postgres") else "sqlite", "run": {"scenario": scenario, "actions": len(pieces)},
              "results": results, "healthz_rps_mean": health,
              "ratios_vs_healthz": {name: r["rps"] / health for name, r in results.items()},
              "memory_mib": memory, "workers_restarted": restarted, "cache_metrics": metrics,
              "healthz_drift": results["healthz (again)"]["rps"] / results["healthz"]["rps"]}

    print(f"machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram_gib']} GiB RAM, Linux {info['kernel']}")
    print("tools:   " + ", ".join(f"{k} {v}" for k, v in tools.items()))
    print(f"server:  gunicorn {args.workers} sync workers (production config), wrk -t{args.threads} "
          f"-c{args.connections} -d{args.duration}s per row, all on 127.0.0.1, one server for every row")
    print(f"run:     scenario {scenario!r}, {len(pieces)} actions; labs: {ACTIONS_LAB} and {EDIT_LAB} model solutions")
    print(f"store:   {'PostgreSQL' if (args.database_url or '').startswith('postgres') else 'SQLite'} for grade (saved)")
    print()
    print(f"{'':17}{'req/s':>9}{'vs healthz':>12}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'non-2xx':>9}")
    for name, r in results.items():
        print(f"{name:17}{r['rps']:9.0f}{r['rps'] / health:11.2f}x{r['p50'] or 0:9.2f}{r['p90'] or 0:9.2f}"
              f"{r['p99'] or 0:9.2f}{r['non2xx']:9d}" + (f"  {r['socket_errors']}" if r["socket_errors"] else ""))
    drift = results["healthz (again)"]["rps"] / results["healthz"]["rps"]
    print(f"healthz last/first = {drift:.2f}" + ("" if 0.9 <= drift <= 1.1 else
          "  -- more than 10% apart: something else used the CPU during the run; rerun before quoting"))
    print()
    print("worker memory (VmRSS, MiB):")
    for label, values in memory:
        print(f"  {label:26}" + "  ".join(f"{v:7.1f}" for v in values))
    if restarted:
        print("  (a worker was restarted during the run: memory rows are not comparable)")
    peak = max(memory[-1][1])
    print(f"worker RSS after the full mix: {peak:.1f} MiB (target <= {RSS_TARGET_MIB} MiB: "
          f"{'ok' if peak <= RSS_TARGET_MIB else 'MISSED'})")
    print()
    print("caches of one worker (GET /metrics): entries, estimated MiB / bound, hits, misses, evictions")
    for name, m in sorted(metrics.items()):
        print(f"  {name:24}{m.get('entries', 0):7d}{m.get('bytes', 0) / 2**20:8.1f} /{m.get('max_bytes', 0) / 2**20:5.1f}"
              f"{m.get('hits_total', 0):9d}{m.get('misses_total', 0):9d}{m.get('evictions_total', 0):9d}")
    print(f"gunicorn log: {log}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
