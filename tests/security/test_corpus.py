"""The hostile corpus against a real gunicorn server: every case answers below 500, within the time limit,
without the canary; then nothing stored or logged holds the canary or a query-string token, and each
worker's memory after two more passes of the whole corpus is within 10% of where the warm-up left it
(the first pass, and the corpus again on two connections at once so that both workers serve every case,
fill every bounded cache for this traffic: checkpoints, builds, engines, response memo; the later passes
must not grow a worker further).

The cases are data (tests/security/corpus/*.json, see corpus.py); this file only runs them."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.reliability.workers import rss_kib, worker_pids
from tests.scale.servers import request

from .corpus import build_request, load_cases

CASES = load_cases()
TIME_LIMIT = 2.0
WORKER_CEILING_KIB = 400 * 1024       # docs/deploy.md: plan 400 MiB of memory a worker
GROWTH_LIMIT = 1.10                   # issue 10: RSS back within 10% after the run (see the memory test)
WARM_UP = [  # one of each expensive kind, so the baseline includes what any first request loads
    ("POST", "/api/run", {"scenario": "g033-restore-fl-first", "actions": "run_until journey_done"}),
    ("POST", "/api/labs/irq-enable-fix/run", {"edits": {"78": "\tcmpl $0, lguest_data+LGUEST_DATA_irq_pending"}}),
    ("POST", "/api/labs/irq-enable-fix/grade", {"edits": {"78": "\tcmpl $1, lguest_data+LGUEST_DATA_irq_pending"}}),
    ("POST", "/api/labs/irq-enable-fix/run", {"edits": {"78": "\tcmpl $2, lguest_data+LGUEST_DATA_irq_pending"}}),
    ("POST", "/api/labs/pending-restore-fl/grade", {"actions": "raise_irq 1; host_check"}),
    ("GET", "/chapters/G-033", None), ("GET", "/labs/irq-enable-fix", None), ("GET", "/api/scenarios", None),
]
_results: list[dict] = []
_baseline: dict = {}


def run_case(hostile, case) -> tuple[list[str], float]:
    """Send one case; the problems found (empty when it behaved) and the seconds it took."""
    req = build_request(case, hostile.values, hostile.kernel_text, hostile.read_file)
    started = time.monotonic()
    resp = request(hostile.server.port, req.method, req.path, req.body, req.headers, timeout=30)
    took = time.monotonic() - started
    text = resp.body.decode("utf-8", "replace")
    problems = []
    if hostile.secret in text or hostile.secret in json.dumps(resp.header_list):
        problems.append("the canary is in the response")
    if resp.status >= 500:
        problems.append(f"status {resp.status}: {text[:300]}")
    if took >= TIME_LIMIT:
        problems.append(f"took {took:.2f} s")
    expect = case.expect
    if "status" in expect and resp.status not in expect["status"]:
        problems.append(f"status {resp.status}, expected {expect['status']}: {text[:300]}")
    if resp.status >= 400 and (req.path.startswith("/api/") or ".json" in req.path.split("?")[0]):
        error = resp.json().get("error", {})
        if set(error) != {"code", "message", "detail"}:
            problems.append(f"not the one error shape: {text[:200]}")
        elif "code" in expect and error["code"] != expect["code"]:
            problems.append(f"code {error['code']}, expected {expect['code']}: {error['message'][:200]}")
    if "state_status" in expect and resp.status == 200 and resp.json()["state"]["status"] != expect["state_status"]:
        problems.append(f"run status {resp.json()['state']['status']}, expected {expect['state_status']}")
    for header, needle in expect.get("header_contains", {}).items():
        if needle not in resp.headers.get(header, ""):
            problems.append(f"{header}: {resp.headers.get(header)!r} lacks {needle!r}")
    return problems, took


def test_corpus_is_large_and_well_formed():
    assert len(CASES) >= 150
    for case in CASES:
        assert case.spec.get("expect", {}).keys() <= {"status", "code", "state_status", "header_contains"}, case.id


def test_warm_up(hostile):
    for _round in range(3):   # both workers (which one answers is the kernel's choice)
        for method, path, payload in WARM_UP:
            body = None if payload is None else json.dumps(payload).encode()
            request(hostile.server.port, method, path, body, {"Content-Type": "application/json"} if body else {})
    assert len(worker_pids(hostile.server.proc.pid)) == 2


def run_checked(hostile, case) -> tuple[list[str], float]:
    """run_case, once more when time was the only problem: on a machine shared with other jobs one slow
    answer is the scheduler's; a request that is slow by itself is slow twice."""
    problems, took = run_case(hostile, case)
    if problems and all(p.startswith("took ") for p in problems):
        problems, took = run_case(hostile, case)
    return problems, took


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(hostile, case):
    problems, took = run_checked(hostile, case)
    _results.append({"id": case.id, "seconds": took})
    assert not problems, f"{case.id}: {problems}"


def test_first_pass_memory(hostile):
    """The baseline: the corpus once more, each case on two connections at once, so that each worker has
    served every kind of request (which worker answers is the kernel's choice, and the first request of a
    kind sets a worker's high-water mark: it belongs before the baseline, not after it)."""
    with ThreadPoolExecutor(2) as pool:
        for case in CASES:
            req = build_request(case, hostile.values, hostile.kernel_text, hostile.read_file)
            both = [pool.submit(request, hostile.server.port, req.method, req.path, req.body, req.headers, 30)
                    for _ in range(2)]
            for sent in both:
                sent.result()
    time.sleep(0.5)
    pids = worker_pids(hostile.server.proc.pid)
    _baseline.update(pids=pids, rss={p: rss_kib(p) for p in pids})


def _corpus_pass(hostile) -> dict[str, list[str]]:
    failures = {}
    for case in CASES:
        problems, took = run_checked(hostile, case)
        _results.append({"id": case.id, "seconds": took})
        if problems:
            failures[case.id] = problems
    return failures


def test_memory_settles_within_two_more_passes(hostile):
    """Issue 10's "worker RSS back within 10% after the run", per worker: the first passes are the warm-up
    (they fill the bounded caches, JOURNEY_CACHE_MB, and the engine pool for this traffic, in both workers);
    after the whole corpus twice more, every case still behaving, each worker holds at most 10% more than
    the warm-up left it (growth that goes on pass after pass is a leak) and no more than the memory plan."""
    passes = [_baseline["rss"]]
    for _ in range(2):
        assert not _corpus_pass(hostile)
        time.sleep(0.5)
        pids = worker_pids(hostile.server.proc.pid)
        assert pids == _baseline["pids"], "a worker was replaced (killed by a timeout?)"
        passes.append({p: rss_kib(p) for p in pids})
    shown = ", ".join(f"worker {n}: " + " -> ".join(f"{rss[p] / 1024:.0f}" for rss in passes) + " MiB"
                      for n, p in enumerate(_baseline["pids"], 1))
    print(f"worker RSS after the warm-up and after each of two more passes: {shown}")
    for pid in _baseline["pids"]:
        first, last = passes[0][pid], passes[-1][pid]
        assert last <= GROWTH_LIMIT * first, f"a worker grew past {GROWTH_LIMIT:.2f}x the warm-up: {shown}"
        assert last <= WORKER_CEILING_KIB, f"a worker past the memory plan: {shown}"


def test_no_canary_in_logs_rows_or_cache(hostile):
    secret = hostile.secret.encode()
    log = hostile.server.log.read_bytes()
    assert secret not in log
    assert hostile.query_token.encode() not in log       # query strings and Referers are not logged
    assert b"Traceback" not in log
    for path in hostile.workdir.rglob("*"):
        if path.is_file() and "secrets" not in path.parts and path != hostile.server.log:
            assert secret not in path.read_bytes(), path


def test_every_case_ran_in_time():
    assert len(_results) == 3 * len(CASES)
    slowest = max(_results, key=lambda r: r["seconds"])
    assert slowest["seconds"] < TIME_LIMIT, slowest
