"""Owns `Decision` (what one interrupt_pending/try_deliver_interrupt pass decided, step by step) and rule ids.
Must not apply the rules themselves: interrupts.py does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .events import KilledEvent, MemWrite
from .frames import Frame

# Stable rule ids (ARCHITECTURE.md "Host model"), in the order the 2.6.31 Host checks them.
RULES = ("no_lguest_data", "blocked_unreadable", "nothing_pending", "blocked", "noirq_window",
         "halted_wake", "irqs_disabled", "idt_not_present", "deliver")
OUTCOMES = ("none", "defer", "set_pending", "deliver")
StepResult = Literal["pass", "stop", "apply"]
# Stable ids of the checks a walk can contain, in order.
CHECKS = ("lguest_data", "pending", "noirq_window", "halted", "irq_enabled", "idt_present", "timestamp", "more")


@dataclass(frozen=True)
class Input:
    """A value the rules looked at: host-private (irqs_pending, noirq_start) or read from the Guest."""

    name: str
    value: int | bool | None      # None: the read faulted
    explanation: str

    def to_json(self) -> dict:
        return {"name": self.name, "value": self.value, "explanation": self.explanation}


@dataclass(frozen=True)
class Step:
    """One check of the walk. result: "pass" (condition not met, go on), "stop" (this rule decided and
    the walk ended), "apply" (the rule acted and the walk went on, e.g. halted_wake)."""

    check: str                    # one of CHECKS
    question: str                 # the kernel's condition, in words
    result: StepResult
    rule: str | None              # the rule id that fired here, if any
    detail: str

    def to_json(self) -> dict:
        return {"check": self.check, "question": self.question, "result": self.result,
                "rule": self.rule, "detail": self.detail}


@dataclass(frozen=True, kw_only=True)
class Decision:
    rule: str                     # the deciding rule id (RULES)
    rules: tuple[str, ...]        # every rule that fired, in order (e.g. ("halted_wake", "deliver"))
    outcome: str                  # OUTCOMES
    irq: int | None
    vector: int | None
    more: bool | None             # interrupt_pending()'s *more (None if it never got that far)
    inputs: tuple[Input, ...]
    steps: tuple[Step, ...]
    writes: tuple[MemWrite, ...]
    chapters: tuple[str, ...]
    message: str
    frame: Frame | None = None
    kills: tuple[KilledEvent, ...] = ()
    kind: str = "decision"

    def to_json(self) -> dict:
        return {
            "kind": self.kind, "rule": self.rule, "rules": list(self.rules), "outcome": self.outcome,
            "irq": self.irq, "vector": self.vector, "more": self.more, "message": self.message,
            "inputs": [i.to_json() for i in self.inputs], "steps": [s.to_json() for s in self.steps],
            "writes": [w.to_json() for w in self.writes], "chapters": list(self.chapters),
            "frame": self.frame.to_json() if self.frame else None,
            "kills": [k.to_json() for k in self.kills],
        }
