"""Small hand-written runs in the runs layer's JSON shapes (ARCHITECTURE.md), for the checks language tests.

Real dicts, not mocks: the evaluator only ever sees these shapes, whoever produced them.
"""

from __future__ import annotations

from journey_app.labs import Trace

SYMBOLS = {
    "lg_irq_enable": 0xC0100030, "send_interrupts": 0xC0100046, "lg_restore_fl": 0xC0100054,
    "lguest_iret": 0xC0100064, "lguest_noirq_start": 0xC0100069, "lguest_noirq_end": 0xC0100071,
    "journey_interrupted": 0xC0100088, "journey_done": 0xC0100090, "lguest_data": 0xC0101000,
}


def state(**overrides) -> dict:
    base = {
        "scenario": "irq_enable", "version": "2.6.31", "status": "finished", "reason": "reached journey_done",
        "insn_count": 12, "eip": SYMBOLS["journey_done"],
        "location": {"address": SYMBOLS["journey_done"], "symbol": "journey_done", "file": "glue/scenario.S",
                     "line": 30, "chapter": None},
        "registers": {"eax": 0x200, "ebx": 0x101000, "ecx": 0, "edx": 0, "esi": 0, "edi": 0, "ebp": 0,
                      "esp": 0xC0103FFC, "eip": SYMBOLS["journey_done"], "eflags": 0x246},
        "flags": {"CF": 0, "PF": 1, "AF": 0, "ZF": 1, "SF": 0, "TF": 0, "IF": 1, "DF": 0, "OF": 0},
        "lguest_data": {"address": SYMBOLS["lguest_data"], "fields": [
            {"name": "irq_enabled", "offset": 0, "size": 4, "value": 0x200},
            {"name": "irq_pending", "offset": 20, "size": 4, "value": 0x200},
            {"name": "reserve_mem", "offset": 1368, "size": 4, "value": 0x400000},
        ]},
        "host": {"initialised": True, "lguest_data": SYMBOLS["lguest_data"], "irqs_pending": 0, "blocked": 1,
                 "halted": False, "dead": None, "noirq_start": SYMBOLS["lguest_noirq_start"],
                 "noirq_end": SYMBOLS["lguest_noirq_end"], "idt": [], "patched": []},
        "stack": [], "changed": [],
    }
    base.update(overrides)
    return base


def event(seq: int, kind: str, eip: int, **fields) -> dict:
    return {"seq": seq, "kind": kind, "eip": eip, "file": "arch/x86/lguest/i386_head.S", "line": None,
            "chapter": "G:033", **fields}


# lg_irq_enable with the cmpl fix: SEND_INTERRUPTS, then the host delivers irq 1 and the guest irets.
FIXED = [
    event(0, "action", SYMBOLS["lg_irq_enable"], action="raise_irq 1"),
    event(1, "insn", SYMBOLS["lg_irq_enable"]),
    event(2, "hypercall", SYMBOLS["send_interrupts"] + 5, name="LHCALL_SEND_INTERRUPTS", number=19,
          args=[0, 0, 0, 0]),
    event(3, "decision", SYMBOLS["send_interrupts"] + 7, rule="deliver", outcome="deliver"),
    event(4, "irq_delivered", SYMBOLS["send_interrupts"] + 7, irq=1, vector=0x21),
    event(5, "finished", SYMBOLS["journey_done"]),
]

# an interrupt raised inside the no-irq window: deferred there, delivered once EIP is past iret.
NOIRQ = [
    event(0, "action", SYMBOLS["lguest_noirq_start"], action="raise_irq 1"),
    event(1, "decision", SYMBOLS["lguest_noirq_start"], rule="noirq_window", outcome="defer"),
    event(2, "insn", SYMBOLS["lguest_noirq_start"] + 6),
    event(3, "decision", SYMBOLS["journey_interrupted"], rule="deliver", outcome="deliver"),
    event(4, "irq_delivered", SYMBOLS["journey_interrupted"], irq=1, vector=0x21),
]

# the same, but delivered inside the window: what the kernel must never do.
BAD_NOIRQ = NOIRQ[:2] + [event(2, "irq_delivered", SYMBOLS["lguest_noirq_start"] + 6, irq=1, vector=0x21)]


def trace(events: list, answers: dict | None = None, **state_overrides) -> Trace:
    return Trace(state(**state_overrides), events, dict(SYMBOLS), answers or {})
