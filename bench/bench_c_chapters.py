"""The C chapters (boot.c compiled by gcc) against the assembler chapters, side by side in one process.

  (a) replay throughput: every scenario's own tour, cold (a fresh checkpoint cache each time), as guest
      instructions per second of replay; the C scenarios' rate over the assembler scenarios' rate.
      Target: >= 0.8x.
  (b) steady stepping, one `step` per instruction (each recorded as an event): 1,000 steps of boot.c's
      lazy-mode code (g037-ring-full) against 1,000 steps of the assembler (g033's lg_irq_enable and the
      idle loop after it); instructions per second.
  (c) a long native run (`run_until`): 300 lazy-mode flushes through async_hcall (about 23,000
      instructions, every stack and ring write logged) against the same number of assembler instructions
      (lguest_init's `1: jmp 1b`, which stores nothing). The C run's trace holds ~8,000 mem_write events
      and 300 Host-run hypercalls that the assembler loop does not make, so the line after it splits
      its time: inside Machine.run (the emulator and its write log) and the rest (events, the Host).
      The same C run with the Python write log (the fallback without a C compiler) shows what the
      native log (guest/writelog.c) saves.
  (d) the cold build of the C chapters: gcc over the boot.c extracts alone, and the whole image
      (cpp + as + gcc + ld) with an empty cache.
  (e) the ring-full tour (g037-ring-full's own actions) and the ring-overflow lab's answer, cold,
      in wall-clock seconds beside the site's run budget (JOURNEY_RUN_SECONDS).

Run:  .venv/bin/python bench/bench_c_chapters.py [--repeat N]
No assertions: the numbers are for people (tests never time anything).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from journey_app import paths
from journey_app.catalog import Catalog
from journey_app.guest import EnginePool, Machine
from journey_app.guest.writelog import native_status
from journey_app.runs import CheckpointCache, Run, load_scenarios, replay
from journey_app.settings import WEB_RUN_SECONDS, Settings
from journey_app.toolchain import BuildStore, Limits
from journey_app.toolchain.cunits import gcc_argv, units
from journey_app.toolchain.pipeline import read_tree
from journey_app.toolchain.runner import run_tool

VERSION = "2.6.31"


def is_c(scenario, build) -> bool:
    entry = scenario.entry if isinstance(scenario.entry, str) else None
    where = build.line_at(build.address_of(entry)) if entry and build.address_of(entry) is not None else None
    return where is not None and where.file.endswith(".c")


class MachineClock:
    """Seconds spent inside Machine.run (the emulator, its hooks, rewinds), summed while installed."""

    def __init__(self):
        self.seconds = 0.0
        self._run = Machine.run

    def __enter__(self):
        clock, run = self, self._run

        def timed(machine, *args, **kw):
            start = time.perf_counter()
            try:
                return run(machine, *args, **kw)
            finally:
                clock.seconds += time.perf_counter() - start

        Machine.run = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc):
        Machine.run = self._run  # type: ignore[method-assign]


def rate(catalog, settings, build, scenarios, actions_of, repeat: int, pool=None) -> tuple[float, int]:
    """Guest instructions per second over all `scenarios`, each replayed cold `repeat` times (median)."""
    per_round = []
    insns = 0
    extra = {"pool": pool} if pool is not None else {}
    for _ in range(repeat):
        took, insns = 0.0, 0
        for sc in scenarios:
            run = Run(VERSION, sc.id, actions_of(sc))
            start = time.perf_counter()
            result = replay(run, catalog=catalog, settings=settings, build=build, cache=CheckpointCache(), **extra)
            took += time.perf_counter() - start
            insns += result.state.insn_count
        per_round.append(insns / took)
    return statistics.median(per_round), insns


def seconds(catalog, settings, build, scenario: str, actions: str, repeat: int) -> float:
    """Median wall-clock seconds of one cold replay."""
    took = []
    for _ in range(repeat):
        start = time.perf_counter()
        replay(Run(VERSION, scenario, actions), catalog=catalog, settings=settings, build=build,
               cache=CheckpointCache())
        took.append(time.perf_counter() - start)
    return statistics.median(took)


def cold_build_seconds(repeat: int) -> tuple[float, float]:
    kernel_dir = paths.bundled_content_root() / "kernels" / VERSION
    tree = read_tree(kernel_dir)
    (unit,) = units(tree)
    gcc, whole = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            for name, data in tree.items():
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                (root / name).write_bytes(data)
            (root / "unit.c").write_text(unit.text(tree))
            start = time.perf_counter()
            run_tool(gcc_argv("unit.c", "unit.o", str(root)), root, Limits(), "gcc")
            gcc.append(time.perf_counter() - start)
        with tempfile.TemporaryDirectory() as tmp:
            store = BuildStore(Path(tmp), prebuilt_dir=Path(tmp) / "none")
            start = time.perf_counter()
            store.build_tree(tree, VERSION)
            whole.append(time.perf_counter() - start)
    return statistics.median(gcc), statistics.median(whole)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    settings = Settings(run_seconds=60.0)
    catalog = Catalog(settings)
    build = catalog.build(VERSION)
    scenarios = load_scenarios(paths.bundled_content_root(), VERSION)
    c_group = [s for s in scenarios if is_c(s, build)]
    asm_group = [s for s in scenarios if not is_c(s, build)]
    for _ in range(2):                                  # warm the engine pool and the decoders
        rate(catalog, settings, build, scenarios, lambda s: s.actions, 1)

    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; guest write log: {native_status()[1]}")
    print(f"{len(c_group)} C scenarios, {len(asm_group)} assembler scenarios, {args.repeat} rounds (median)")
    c_rate, c_n = rate(catalog, settings, build, c_group, lambda s: s.actions, args.repeat)
    a_rate, a_n = rate(catalog, settings, build, asm_group, lambda s: s.actions, args.repeat)
    print(f"(a) tours, cold:        C {c_rate:>10,.0f} insn/s ({c_n} insns)   asm {a_rate:>10,.0f} insn/s "
          f"({a_n} insns)   C/asm = {c_rate / a_rate:.2f}x  (target >= 0.8x)")
    by_id = {s.id: s for s in scenarios}
    steps = "; ".join(["step"] * 1000)
    c_step, c_sn = rate(catalog, settings, build, [by_id["g037-ring-full"]], lambda s: steps, args.repeat)
    a_step, a_sn = rate(catalog, settings, build, [by_id["g033-irq-enable-quiet"]],
                        lambda s: "set eip lguest_init; " + steps, args.repeat)
    print(f"(b) 1,000 single steps: C {c_step:>10,.0f} insn/s ({c_sn} insns)   asm {a_step:>10,.0f} insn/s "
          f"({a_sn} insns)   C/asm = {c_step / a_step:.2f}x  (target >= 0.8x)")
    lazy = [by_id["g037-ring-full"]]
    with MachineClock() as clock:
        c_nat, c_nn = rate(catalog, settings, build, lazy, lambda s: "set eax 300; run_until journey_done",
                           args.repeat)
    long_settings = Settings(run_seconds=60.0, insn_budget=c_nn)
    a_nat, a_nn = rate(catalog, long_settings, build, [by_id["g033-irq-enable-quiet"]],
                       lambda s: "set eip lguest_init; run_until journey_done", args.repeat)
    print(f"(c) long native run:    C {c_nat:>10,.0f} insn/s ({c_nn} insns)   asm {a_nat:>10,.0f} insn/s "
          f"({a_nn} insns)   C/asm = {c_nat / a_nat:.2f}x  (target >= 0.8x)")
    total = c_nn * args.repeat / c_nat
    print(f"    C run's time: {clock.seconds / args.repeat * 1e3:.1f} ms a replay in Machine.run "
          f"({c_nn * args.repeat / clock.seconds:,.0f} insn/s there, "
          f"{c_nn * args.repeat / clock.seconds / a_nat:.2f}x the assembler run), "
          f"{(total - clock.seconds) / args.repeat * 1e3:.1f} ms in events and the Host")
    p_nat, _ = rate(catalog, settings, build, lazy, lambda s: "set eax 300; run_until journey_done", args.repeat,
                    pool=EnginePool(native_writes=False))
    print(f"    the same C run with the Python write log: {p_nat:>10,.0f} insn/s "
          f"(native log {c_nat / p_nat:.1f}x faster)")
    gcc_s, whole_s = cold_build_seconds(max(1, min(args.repeat, 3)))
    print(f"(d) cold build: gcc over the boot.c extracts {gcc_s * 1e3:.0f} ms; "
          f"whole image (cpp, as, gcc, ld) {whole_s * 1e3:.0f} ms")
    budget = Settings.from_env().run_seconds or WEB_RUN_SECONDS
    tour = seconds(catalog, settings, build, "g037-ring-full", by_id["g037-ring-full"].actions, args.repeat)
    lab = seconds(catalog, Settings(run_seconds=60.0, insn_budget=50_000), build, "g036-flush-async",
                  "set eax 65; run_until journey_done", args.repeat)
    print(f"(e) ring full, cold: g037-ring-full's tour {tour * 1e3:.0f} ms; ring-overflow lab's answer "
          f"(65 lazy calls) {lab * 1e3:.0f} ms; the site's run budget is {budget:g} s")


if __name__ == "__main__":
    main()
