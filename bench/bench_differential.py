"""What one differential case costs, per family, measured side by side in one process: generating the
state, the Python Host model, and the compiled 2.6.31 Host in its Unicorn engine. The ratio says how much
of the test's time is the kernel side (the part a faster harness could win back).

Run:  .venv/bin/python bench/bench_differential.py [--cases N]
No assertions: the numbers are for people (tests never time anything).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.host.differential.cases import FAMILIES, MEM, RandomDraw
from tests.host.differential.kernel_host import KernelHost
from tests.host.differential.model_side import run_kernel, run_model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=500)
    args = parser.parse_args()
    kernel = KernelHost(MEM)
    print(f"{'family':<11} {'generate':>9} {'model':>9} {'kernel':>9} {'kernel/model':>13}   (ms per case, {args.cases} cases)")
    for family, make in FAMILIES.items():
        t0 = time.perf_counter()
        states = [make(RandomDraw(seed)) for seed in range(args.cases)]
        t1 = time.perf_counter()
        for state in states:
            run_model(family, state)
        t2 = time.perf_counter()
        for state in states:
            run_kernel(family, state, kernel)
        t3 = time.perf_counter()
        n = args.cases / 1000
        print(f"{family:<11} {(t1 - t0) / n:9.3f} {(t2 - t1) / n:9.3f} {(t3 - t2) / n:9.3f} {(t3 - t2) / (t2 - t1):12.1f}x")


if __name__ == "__main__":
    main()
