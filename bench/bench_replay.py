"""Benchmarks of the live machine, measured side by side in one process and printed as ratios.

  (a) the cost of one more `step` after 1,000 actions vs after 1, with the checkpoint cache used the way
      the web API uses it (the client resends the whole list; the list minus its last action was the
      previous request, so its checkpoint is in the cache). Target: <= 1.2x.
  (b) replaying a 10,000-instruction run vs the same 10,000 instructions in bare Unicorn with no hooks.
      Target: >= 0.3x (bare time / replay time).
  plus, for the web budget: a cold 20-action replay (no checkpoints), p50 and p99 (target p99 <= 25 ms).

Run:  .venv/bin/python bench/bench_replay.py [--repeat N]
No assertions: the numbers are for people (tests never time anything).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from latency import percentile
from unicorn import UC_ARCH_X86, UC_MODE_32, UC_PROT_ALL, Uc

from journey_app.catalog import Catalog
from journey_app.guest.segments import NEVER
from journey_app.runs import CheckpointCache, Run, replay
from journey_app.settings import Settings
from journey_app.toolchain import PAGE_OFFSET

VERSION = "2.6.31"
SCENARIO = "g033-irq-enable-quiet"
IDLE = "set eip lguest_init"        # `1: jmp 1b` forever: every later step really executes an instruction


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1e3


def step_after(catalog, settings, build, history: int, repeat: int, events_from_last: bool) -> list[float]:
    """A client at `history` actions stepping `repeat` more times, one request per step: each request is
    the previous list plus "step", so the previous list's checkpoint is in the cache (as in the server).
    The history is built first, untimed; three warm-up steps follow so no request is the first after it."""
    actions = [IDLE] + ["step"] * (history - 1)
    cache = CheckpointCache()
    replay(Run(VERSION, SCENARIO, "; ".join(actions)), catalog=catalog, settings=settings, build=build, cache=cache)
    samples = []
    for round_ in range(repeat + 3):
        actions.append("step")
        run = Run(VERSION, SCENARIO, "; ".join(actions))
        events_from = len(actions) - 1 if events_from_last else 0
        took = timed(lambda: replay(run, catalog=catalog, settings=settings, build=build, cache=cache,
                                    events_from=events_from))
        if round_ >= 3:
            samples.append(took)
    return samples


def bare_unicorn(build, count: int, repeat: int) -> list[float]:
    """The same idle-loop instructions in a plain engine: image mapped, no hooks, one emu_start."""
    uc = Uc(UC_ARCH_X86, UC_MODE_32)
    uc.mem_map(0, 16 << 20, UC_PROT_ALL)
    uc.mem_map(PAGE_OFFSET, 16 << 20, UC_PROT_ALL)
    for section in build.sections:
        if not section.nobits:
            uc.mem_write(section.address, section.data)
    start = build.address_of("lguest_init")
    uc.emu_start(start, NEVER, count=count)                      # translate once, like the warm pool
    return [timed(lambda: uc.emu_start(start, NEVER, count=count)) for _ in range(repeat)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    settings = Settings.from_env()
    catalog = Catalog(settings)
    build = catalog.build(VERSION)
    print(f"build {build.input_hash[:12]} ({build.origin}); repeat {args.repeat}")

    # warm the engine pool and the per-build memos, as a running server would be
    replay(Run(VERSION, SCENARIO, IDLE + "; step"), catalog=catalog, settings=settings, build=build,
           cache=CheckpointCache())

    print("\n(a) one more `step`, previous prefix cached")
    for label, tail in (("events of the last action (events_from=n)", True), ("all events (events_from=0)", False)):
        one = median_ms(step_after(catalog, settings, build, 1, args.repeat, tail))
        thousand = median_ms(step_after(catalog, settings, build, 1000, args.repeat, tail))
        print(f"  {label}:")
        print(f"    after 1 action:     {one:7.3f} ms")
        print(f"    after 1000 actions: {thousand:7.3f} ms")
        print(f"    ratio 1000/1:       {thousand / one:7.2f}x   (target <= 1.2x)")
    catalog_ms = median_ms([timed(lambda: catalog.build(VERSION)) for _ in range(args.repeat)])
    print(f"  (not included above: Catalog.build(version) per request re-hashes the kernel tree: {catalog_ms:.3f} ms)")

    print("\n(b) a 10,000-instruction run (run_until ending on the instruction budget), no checkpoint of this run")
    count = 10_000
    budgeted = replace(settings, insn_budget=count)
    run = Run(VERSION, SCENARIO, f"{IDLE}; run_until 0xdeadbeef")
    bare = bare_unicorn(build, count, args.repeat)
    print(f"  bare Unicorn, no hooks, one emu_start:            {median_ms(bare):7.3f} ms")
    for label, keep_start in (("cold: scenario set-up included", False),
                              ("scenario start cached (a running server)", True)):
        samples = []
        for _ in range(args.repeat):
            cache = CheckpointCache()
            if keep_start:      # another run of this scenario already cached its first moment
                replay(Run(VERSION, SCENARIO, ""), catalog=catalog, settings=budgeted, build=build, cache=cache)
            result = []
            samples.append(timed(lambda: result.append(replay(run, catalog=catalog, settings=budgeted, build=build,
                                                              cache=cache))))
            assert result[0].state.insn_count == count and result[0].state.status == "budget"
        print(f"  replay, {label + ':':42} {median_ms(samples):7.3f} ms   "
              f"ratio bare/replay {median_ms(bare) / median_ms(samples):5.2f}x (target >= 0.3x)")
    big = 100_000
    long_run = Run(VERSION, SCENARIO, f"{IDLE}; run_until 0xdeadbeef")
    big_settings = replace(settings, insn_budget=big)
    long_ms = median_ms([timed(lambda: replay(long_run, catalog=catalog, settings=big_settings, build=build,
                                              cache=CheckpointCache())) for _ in range(args.repeat)])
    bare_big = median_ms(bare_unicorn(build, big, args.repeat))
    print(f"  the same at {big:,} instructions: bare {bare_big:.3f} ms, replay {long_ms:.3f} ms, "
          f"ratio {bare_big / long_ms:.2f}x (run_until adds no per-instruction work)")
    stepped = Run(VERSION, SCENARIO, f"{IDLE}; step {count}")
    step_ms = median_ms([timed(lambda: replay(stepped, catalog=catalog, settings=budgeted, build=build,
                                              cache=CheckpointCache())) for _ in range(3)])
    print(f"  for contrast, `step {count}` (an insn event per instruction): {step_ms:.1f} ms "
          f"({step_ms * 1e3 / count:.1f} us per instruction)")

    print("\n(c) a cold 20-action replay (no checkpoint cache), the web API's per-request budget")
    actions = "; ".join(["step"] * 6 + ["host_check", "raise_irq 1", "host_check"] + ["step"] * 8
                        + ["run_until ret", "host_check", "step"])
    samples = sorted(timed(lambda: replay(Run(VERSION, "g033-irq-enable-pending", actions), catalog=catalog,
                                          settings=settings, build=build, cache=CheckpointCache()))
                     for _ in range(max(args.repeat, 100)))
    print(f"  p50 {median_ms(samples):.3f} ms   p99 {percentile(samples, 0.99) * 1e3:.3f} ms   (target p99 <= 25 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
