"""The regression corpus: every Host+Guest state on which the model and the kernel ever disagreed,
stored as JSON under corpus/<family>/<name>.json and replayed by test_corpus.py.

Add one with `python -m tests.host.differential.corpus <family> <seed> <name> "<what disagreed>"`
(the state the seeded generator makes for that seed).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .kernel_host import KState

ROOT = Path(__file__).parent / "corpus"
SCALARS = ("lguest_data", "irqs_pending", "halted", "noirq_start", "noirq_end", "kernel_address", "next_hcall",
           "pending_notify", "hcall", "ts", "ss1", "esp1", "stack_pages", "pgdir0", "last_pagefault", "changed",
           "timestamps", "dead")


def dump(state: KState, found: str) -> dict:
    mem = bytes(state.memory)
    runs, i = [], 0
    while i < len(mem):                          # nonzero runs of memory, as [offset, hex]
        if mem[i]:
            j = i
            while j < len(mem) and any(mem[j:j + 8]):
                j += 1
            runs.append([i, mem[i:j].hex()])
            i = j
        else:
            i += 1
    return {"found": found, "memory_size": len(mem), "memory": runs, "regs": state.regs,
            **{k: getattr(state, k) for k in SCALARS},
            "idt": [[v, lo, hi] for v, (lo, hi) in sorted(state.idt.items())],
            "gdt": [[i, lo, hi] for i, (lo, hi) in sorted(state.gdt.items())],
            "default_handlers": list(state.default_handlers)}


def load(data: dict) -> KState:
    mem = bytearray(data["memory_size"])
    for offset, hexbytes in data["memory"]:
        raw = bytes.fromhex(hexbytes)
        mem[offset:offset + len(raw)] = raw
    return KState(memory=mem, regs=dict(data["regs"]), **{k: data[k] for k in SCALARS},
                  idt={v: (lo, hi) for v, lo, hi in data["idt"]}, gdt={i: (lo, hi) for i, lo, hi in data["gdt"]},
                  default_handlers=tuple(data["default_handlers"]))


def cases(family: str) -> list[tuple[str, dict]]:
    folder = ROOT / family
    return [(p.stem, json.loads(p.read_text())) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []


def main(argv: list[str]) -> None:
    from .cases import FAMILIES, RandomDraw
    family, seed, name, found = argv[0], int(argv[1]), argv[2], argv[3]
    (ROOT / family).mkdir(parents=True, exist_ok=True)
    state = FAMILIES[family](RandomDraw(seed))
    (ROOT / family / f"{name}.json").write_text(json.dumps(dump(state, found), indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
