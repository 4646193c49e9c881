"""The benches' one latency summary: percentiles of a list of samples, the {n, median, p90, p99, max} row
in milliseconds, how that row prints, and the optional --json copy of a bench's numbers."""

from __future__ import annotations

import json
import statistics
from pathlib import Path


def percentile(samples: list[float], fraction: float) -> float:
    """The sample at `fraction` (0.99 = p99) of the sorted samples, nearest rank: no interpolation,
    so the number printed is a time that was measured."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def describe(seconds: list[float]) -> dict:
    """n, median, p90, p99 and max of timings given in seconds, in milliseconds."""
    return {"n": len(seconds), "median_ms": 1000 * statistics.median(seconds),
            "p90_ms": 1000 * percentile(seconds, 0.9), "p99_ms": 1000 * percentile(seconds, 0.99),
            "max_ms": 1000 * max(seconds)}


def summary_row(name: str, summary: dict, width: int = 34) -> str:
    """`name   median   p99   max`, the row under `summary_header()`."""
    return f"{name:{width}} {summary['median_ms']:8.1f}ms {summary['p99_ms']:8.1f}ms {summary['max_ms']:8.1f}ms"


def summary_header(width: int = 34, first: str = "request") -> str:
    return f"{first:{width}} {'median':>9} {'p99':>9} {'max':>9}"


def write_json(path: str | None, numbers: dict) -> None:
    """The bench's --json FILE, when given."""
    if path:
        Path(path).write_text(json.dumps(numbers, indent=1) + "\n")
