"""A bounded load run against a real server: gunicorn with the production config and 2 workers on a free
127.0.0.1 port, wrk with 50 connections for JOURNEY_LOAD_SECONDS (default 60) over a reader-like mix
(load_mix.lua: 20-action POST /api/run, chapter pages, /healthz).

Two assertions, both required by issue 7 and neither a latency threshold: every response is 2xx, and
the memory of each worker (VmRSS) at the end is within 20% of what it was after the warm-up (10 s).

The runs vary in their 20th action over a bounded set of 600 values (more than the response memo's 512
entries, far fewer than the 4,096 run checkpoints): every run is replayed, and the per-process caches
fill during the warm-up, so growth after it would be a leak. With unbounded variety the checkpoint
cache (bounded by entries, not bytes) takes ~30 s at this rate to fill and grows each worker by ~100 MB
first; docs/performance.md has those numbers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.scale.servers import start_gunicorn

from .workers import rss_kib, worker_pids

LUA = Path(__file__).with_name("load_mix.lua")
SCENARIO = "g033-irq-enable-quiet"
# 19 actions a reader makes while exploring G:033; the script adds a 20th, `set ebx N`.
ACTIONS = "; ".join(["step"] * 6 + ["set irq_pending 0x200", "raise_irq 0", "host_check"] + ["step"] * 6
                    + ["run_until ret", "step", "host_check", "step"])
VARIANTS_PER_THREAD = 300
CONNECTIONS, THREADS = 50, 2
RSS_TOLERANCE = 0.20

pytestmark = [pytest.mark.slow, pytest.mark.load]


def load_seconds() -> int:
    return max(4, int(os.environ.get("JOURNEY_LOAD_SECONDS", "60")))


def parse_wrk(out: str) -> dict:
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return {
        "requests": int(total.group(1)) if total else 0,
        "non2xx_or_3xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": dict(zip(("connect", "read", "write", "timeout"), map(int, errors.groups()), strict=True))
        if errors else {"connect": 0, "read": 0, "write": 0, "timeout": 0},
        "statuses": {int(code): int(count) for code, count in re.findall(r"^STATUS (\d+) (\d+)$", out, re.M)},
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install -y wrk)")
    # one address sends the whole mix: the per-client emulation limit (JOURNEY_RUN_RATE) would refuse it,
    # and this test measures the server, not the limiter (tests/security/test_limits.py does that)
    srv = start_gunicorn("load", tmp_path_factory.mktemp("load"), {"JOURNEY_RUN_RATE": "0"}, workers=2)
    try:
        yield srv
    finally:
        srv.stop()


def test_a_minute_of_mixed_load_gets_only_2xx_and_flat_worker_memory(server):
    # Arrange: each kind of request in the mix works on its own, and the two workers are up.
    assert server.post_json("/api/run", {"scenario": SCENARIO, "actions": ACTIONS + "; set ebx 1"}).status == 200
    assert server.get("/chapters/G-033").status == 200
    assert server.get("/healthz").status == 200
    workers = worker_pids(server.proc.pid)
    assert len(workers) == 2, workers
    duration = load_seconds()
    warm_up = min(10, duration // 2)

    # Act: wrk runs the mix; worker memory is read after the warm-up and again at the end.
    started = time.monotonic()
    wrk = subprocess.Popen(
        ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}s", "--timeout", "30s", "-s", str(LUA),
         f"http://127.0.0.1:{server.port}", "--", SCENARIO, ACTIONS, str(VARIANTS_PER_THREAD)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(max(0.0, started + warm_up - time.monotonic()))
        rss_warm = {pid: rss_kib(pid) for pid in workers}
        out, _ = wrk.communicate(timeout=duration + 60)
    finally:
        if wrk.poll() is None:
            wrk.kill()
            wrk.wait()
    rss_end = {pid: rss_kib(pid) for pid in worker_pids(server.proc.pid)}
    result = parse_wrk(out)
    report = json.dumps({"rss_kib_after_warm_up": rss_warm, "rss_kib_at_end": rss_end, **result}, indent=1)

    print(report)

    # Assert
    assert wrk.returncode == 0, out
    assert result["requests"] > 0, out
    assert result["non2xx_or_3xx"] == 0, out
    assert result["statuses"] and all(200 <= code < 300 for code in result["statuses"]), report
    assert sum(result["statuses"].values()) == result["requests"], report
    assert {k: v for k, v in result["socket_errors"].items() if k != "timeout"} == \
        {"connect": 0, "read": 0, "write": 0}, report
    assert sorted(rss_end) == sorted(rss_warm), f"a worker died or was replaced under load\n{report}"
    for pid, warm in rss_warm.items():
        assert abs(rss_end[pid] - warm) <= RSS_TOLERANCE * warm, f"worker {pid} memory not flat\n{report}"
