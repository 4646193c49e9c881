"""The one cache helper: an LRU bounded by estimated bytes (and entries), with counters; the registry the
app scales to JOURNEY_CACHE_MB; and GET /metrics, which shows the counters to instructors only."""

from __future__ import annotations

import re

import pytest

from journey_app import caches
from journey_app.caches import BoundedCache, estimate_bytes
from journey_app.runs import Run, replay
from journey_app.web import create_app


def test_the_byte_bound_evicts_the_least_recently_used():
    cache = BoundedCache("test.lru", max_bytes=300, sizeof=lambda key, value: 100, register=False, oversize=1)
    for key in "abc":
        cache.put(key, key)
    assert cache.get("a") == "a"                 # a is now the most recent
    cache.put("d", "d")
    assert "b" not in cache and all(key in cache for key in "acd")
    assert cache.stats() == {"entries": 3, "bytes": 300, "max_bytes": 300, "hits": 1, "misses": 0,
                                  "evictions": 1}


def test_counts_hits_and_misses_and_skips_oversized_values():
    cache = BoundedCache("test.counts", max_bytes=800, sizeof=lambda key, value: len(value), register=False)
    assert cache.get_or_make("k", lambda: "v" * 50) == "v" * 50
    assert cache.get_or_make("k", lambda: "other") == "v" * 50
    cache.put("huge", "x" * 101)                 # more than 1/8 of the bound: not kept
    assert cache.get("huge") is None
    assert (cache.hits, cache.misses) == (1, 2)


def test_the_entry_bound_and_resize():
    cache = BoundedCache("test.entries", max_bytes=10_000, max_entries=2, sizeof=lambda k, v: 10, register=False)
    for key in range(5):
        cache.put(key, key)
    assert len(cache) == 2 and cache.evictions == 3
    cache.resize(5)
    assert len(cache) == 1                       # the newest is kept even over the bound


def test_estimate_bytes_counts_what_a_value_reaches_once():
    shared = "x" * 1000
    one = estimate_bytes([shared])
    assert estimate_bytes([shared, shared]) == one + 8          # the second reference is a pointer
    assert estimate_bytes({"a": [1, 2, 3]}) > estimate_bytes({})


def test_scale_to_shares_the_budget_in_proportion():
    names = {c.name: c for c in caches.caches()}
    assert "runs.checkpoints" in names
    caches.scale_to(caches.default_budget() // 2)
    try:
        for cache in names.values():
            assert abs(cache.max_bytes - cache.default_max_bytes // 2) <= 1, cache.name
    finally:
        caches.scale_to(caches.default_budget())


def test_a_replay_fills_and_then_hits_the_process_caches():
    before = {c.name: c.stats() for c in caches.caches()}
    for actions in ("step 3; host_check", "step 3; host_check; step"):
        replay(Run("2.6.31", "g033-irq-enable-pending", actions))
    after = {c.name: c.stats() for c in caches.caches()}
    assert after["runs.checkpoints"]["hits"] > before["runs.checkpoints"]["hits"]
    assert after["runs.decoded"]["entries"] >= 1
    for name in ("runs.locators", "runs.scenario_libraries", "runs.values", "runs.idt_rows"):
        assert after[name]["hits"] > before[name]["hits"], name


@pytest.fixture
def app(tmp_path):
    app = create_app({"cache_dir": tmp_path, "instructor_token": "s3cret", "cache_mb": 32})
    app.testing = True
    return app


def test_metrics_are_prometheus_text_for_instructors_only(app):
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    client.get("/chapters/G-033")
    response = client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
    assert response.status_code == 200 and response.content_type.startswith("text/plain; version=0.0.4")
    text = response.get_data(as_text=True)
    samples = dict(re.findall(r'^(journey_cache_\w+\{cache="[\w.]+"\}) (\d+)$', text, re.M))
    assert int(samples['journey_cache_entries{cache="web.listings"}']) >= 1
    assert int(samples['journey_cache_max_bytes{cache="runs.checkpoints"}']) < 32 << 20
    assert sum(int(v) for k, v in samples.items() if k.startswith("journey_cache_max_bytes")) <= 32 << 20
    assert re.search(r"^process_resident_memory_bytes \d+$", text, re.M)
    for line in text.splitlines():               # every line is a comment or `name{labels} value`
        assert line.startswith("# ") or re.fullmatch(r'[a-z_]+(\{cache="[\w.]+"\})? \d+', line), line


def test_metrics_are_off_without_an_instructor_token(tmp_path):
    client = create_app({"cache_dir": tmp_path}).test_client()
    assert client.get("/metrics").status_code == 403
