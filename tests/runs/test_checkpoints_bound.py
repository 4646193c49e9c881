"""The checkpoint cache is bounded by an estimate of the bytes it holds, not only by entry count."""

from __future__ import annotations

from journey_app.runs.checkpoints import CheckpointCache, approx_bytes


def _fill(run, cache, count):
    for n in range(count):
        run("g045-iret", f"step {n % 7 + 1}; raise_irq {n % 31}; host_check; step", cache=cache)


def test_byte_budget_evicts_oldest_checkpoints(run):
    roomy = CheckpointCache(size=10_000, max_bytes=1 << 40)
    _fill(run, roomy, 20)
    one = max(approx_bytes(cp) for cp, _cost in roomy.cache._entries.values())
    tight = CheckpointCache(size=10_000, max_bytes=one * 3)

    _fill(run, tight, 20)

    assert len(tight) < len(roomy)
    assert tight.cache.bytes <= one * 3
    assert tight.cache.bytes == sum(cost for _cp, cost in tight.cache._entries.values())


def test_a_bounded_cache_gives_the_same_trace(run):
    unbounded = run("g045-iret", "step 2; raise_irq 3; host_check; step 3; host_check",
                    cache=CheckpointCache(size=10_000, max_bytes=1 << 40)).to_json()

    bounded = run("g045-iret", "step 2; raise_irq 3; host_check; step 3; host_check",
                  cache=CheckpointCache(size=10_000, max_bytes=1)).to_json()

    assert bounded == unbounded


def test_a_checkpoints_estimate_leaves_out_the_idt_rows_states_share(run):
    """The IDT rows are shared between States, so a checkpoint is charged for the rest of its State only:
    the estimate equals the State walked without them, and is below the State walked with them."""
    from journey_app.caches import estimate_bytes
    from journey_app.runs.checkpoints import CONTEXT_BYTES, EVENT_BYTES

    cache = CheckpointCache(size=10_000, max_bytes=1 << 40)
    run("g045-iret", "step 3; host_check", cache=cache)
    cp = next(cp for cp, _cost in cache.cache._entries.values() if cp.state is not None)
    as_json = cp.state.to_json()
    assert as_json["host"]["idt"], "the scenario's State has IDT rows to leave out"
    without = {**as_json, "host": {k: v for k, v in as_json["host"].items() if k != "idt"}}
    rest = CONTEXT_BYTES + sum(len(p) for p in cp.pages.values()) + (len(cp.log.chunk) if cp.log else 0) * EVENT_BYTES
    assert approx_bytes(cp) == rest + estimate_bytes(without)
    assert approx_bytes(cp) < rest + estimate_bytes(as_json)
