"""Throughput and latency of POST /api/run (a 20-action run) against GET /healthz, on one server, in one run.

    .venv/bin/python bench/bench_api.py [--duration 10] [--connections 50] [--scenario ID] [--actions TEXT]

Starts gunicorn (2 sync workers, the production config journey_app/web/gunicorn_conf.py, access log to
/dev/null) on a free 127.0.0.1 port, drives it with wrk (apt-get install -y wrk), prints the numbers and
stops gunicorn by its PID. Three measurements, side by side:

  healthz      GET /healthz: the cost of Flask + gunicorn alone
  run (same)   POST /api/run with one fixed 20-action body: what a class opening one share link costs
  run (varied) POST /api/run whose 20th action differs per request (wrk's Lua counter): no response
               reuse, every request replays through the runs layer (from its checkpoint of the prefix)

Targets (issue 5): run (same) ≥ 0.5× healthz throughput, p99 ≤ 25 ms. Numbers only; nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent

POST_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = {body}
"""

def counted_post_lua(declarations: str, path: str, body: str) -> str:
    """A wrk script (still a str.format template: its own braces are doubled) that POSTs JSON `body`, a Lua
    expression over `counter`, to `path`, a Lua expression. Each wrk thread counts from its own random seed,
    so no two requests of a run repeat a body."""
    return (
        "\nlocal counter = 0\n" + declarations + "\n"
        "function setup(thread)\n  thread:set(\"id\", math.random(0, 100000))\nend\n"
        "function init(args)\n  counter = (id or 0) * 7919\nend\n"
        "request = function()\n  counter = counter + 1\n"
        "  local body = " + body + "\n"
        "  return wrk.format(\"POST\", " + path + ", {{[\"Content-Type\"] = \"application/json\"}}, body)\nend\n"
    )


# Each request gets its own action list: the same 19-action history, then its own `set ebx N` (a class
# where everyone makes a different edit). No response is reused; the runs layer's checkpoints still
# serve the shared prefix. Counter per wrk thread; the thread id spreads threads apart.
VARIED_LUA = counted_post_lua("local prefix = {prefix}\nlocal scenario = {scenario}", '"/api/run"',
                              "'{{\"scenario\":\"' .. scenario .. '\",\"actions\":\"' .. prefix .. '; set ebx ' .. counter .. '\"}}'")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lua_string(text: str) -> str:
    return json.dumps(text)   # a JSON string literal is a valid Lua string literal for this ASCII text


def wait_for(url: str, proc: subprocess.Popen, log: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}; its log ({log}) ends:\n"
                             + "".join(Path(log).read_text().splitlines(keepends=True)[-15:]))
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not answer {url} within {timeout}s")


def post(url: str, payload: dict) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def wrk(url: str, duration: int, connections: int, threads: int, script: Path | None = None) -> dict:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    if script is not None:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p = {m.group(1): to_ms(m.group(2), m.group(3)) for m in re.finditer(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    total = re.search(r"(\d+) requests in", out)
    return {"rps": rps, "p50": p.get("50"), "p90": p.get("90"), "p99": p.get("99"),
            "non2xx": int(bad.group(1)) if bad else 0, "socket_errors": errors.group(0) if errors else "",
            "requests": int(total.group(1)) if total else 0, "raw": out}


def to_ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def default_run(base: str, scenario: str | None, actions: str | None) -> tuple[str, str]:
    with urllib.request.urlopen(base + "/api/scenarios", timeout=10) as response:
        listing = json.loads(response.read())["scenarios"]
    if not listing:
        raise SystemExit("no scenarios to run")
    chosen = scenario or next((s["id"] for s in listing if "G:033" in s["chapters"]), listing[0]["id"])
    if actions is None:
        # 20 actions a reader makes while exploring: single steps, an edit, a host look, run-untils.
        actions = "; ".join(["step"] * 6 + ["set irq_pending 0x200", "raise_irq 0", "host_check"] + ["step"] * 6
                            + ["run_until ret", "step", "host_check", "step", "step"])
    return chosen, actions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scenario")
    parser.add_argument("--actions")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115 (the server's)
    env = {**os.environ, "JOURNEY_HOST": "127.0.0.1", "JOURNEY_PORT": str(port), "WEB_CONCURRENCY": str(args.workers),
           "JOURNEY_CACHE": tempfile.mkdtemp(prefix="bench-cache-"), "JOURNEY_RUN_RATE": "0",   # the work, not the limiter
           "GUNICORN_CMD_ARGS": "--access-logfile /dev/null"}
    proc = subprocess.Popen([str(VENV_BIN / "gunicorn"), "--config", "python:journey_app.web.gunicorn_conf",
                             "journey_app.web:create_app()"], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        wait_for(base + "/healthz", proc, log.name)
        scenario, actions = default_run(base, args.scenario, args.actions)
        count = len([a for a in re.split(r"[;\n]", actions) if a.strip()])
        body = {"scenario": scenario, "actions": actions}
        status, answer = post(base + "/api/run", body)
        if status != 200:
            raise SystemExit(f"the benchmark run fails: {status} {answer}")
        size = len(json.dumps(answer))
        prefix_body = {"scenario": scenario, "actions": "; ".join(
            a.strip() for a in re.split(r"[;\n]", actions) if a.strip()).rsplit("; ", 1)[0]}
        for _ in range(20):   # warm both workers' caches (build, engine pool, checkpoints): a reader who
            post(base + "/api/run", body)            # built the list action by action asked for
            post(base + "/api/run", prefix_body)     # its 19-action prefix before
        with tempfile.TemporaryDirectory() as tmp:
            same = Path(tmp) / "post.lua"
            same.write_text(POST_LUA.format(body=lua_string(json.dumps(body))))
            varied = Path(tmp) / "varied.lua"
            prefix = "; ".join(a.strip() for a in re.split(r"[;\n]", actions) if a.strip())
            prefix = "; ".join(prefix.split("; ")[:count - 1])
            varied.write_text(VARIED_LUA.format(prefix=lua_string(prefix), scenario=lua_string(scenario)))
            health = wrk(base + "/healthz", args.duration, args.connections, args.threads)
            run_same = wrk(base + "/api/run", args.duration, args.connections, args.threads, same)
            run_varied = wrk(base + "/api/run", args.duration, args.connections, args.threads, varied)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    print(f"gunicorn {args.workers} sync workers, wrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
          f"127.0.0.1, {os.cpu_count()} CPUs")
    print(f"run: scenario {scenario!r}, {count} actions, response {size} bytes")
    print(f"{'':14}{'req/s':>10}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'non-2xx':>9}")
    for name, r in (("healthz", health), ("run (same)", run_same), ("run (varied)", run_varied)):
        print(f"{name:14}{r['rps']:10.0f}{r['p50'] or 0:9.2f}{r['p90'] or 0:9.2f}{r['p99'] or 0:9.2f}{r['non2xx']:9d}"
              + (f"  {r['socket_errors']}" if r["socket_errors"] else ""))
    ratio = run_same["rps"] / health["rps"]
    ratio_varied = run_varied["rps"] / health["rps"]
    print(f"ratio run(same)/healthz   = {ratio:.2f}x   (target >= 0.5x)  {'ok' if ratio >= 0.5 else 'MISSED'}")
    print(f"ratio run(varied)/healthz = {ratio_varied:.2f}x")
    print(f"p99 run(same) = {run_same['p99']:.2f} ms   (target <= 25 ms)  {'ok' if run_same['p99'] <= 25 else 'MISSED'}")
    print(f"p99 run(varied) = {run_varied['p99']:.2f} ms")
    print(f"gunicorn log: {log.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
