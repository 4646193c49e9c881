"""Owns the Host's frozen event values (hypercall, killed, rewrite, trap, ...) and memory-access records.
Must not hold logic or touch guest memory; interrupt Decisions live in decision.py.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MemRead:
    """A value the Host read from guest memory; `value` is None when the read faulted."""

    field: str          # "lguest_data.syscall_vec", "code", ...
    address: int        # guest-virtual
    size: int
    value: int | None

    def to_json(self) -> dict:
        return {"field": self.field, "address": self.address, "size": self.size, "value": self.value}


@dataclass(frozen=True)
class MemWrite:
    """A write the Host made to guest memory; old/new are little-endian integers (old None if unreadable)."""

    field: str          # "lguest_data.irq_pending", "stack", "code", ...
    address: int        # guest-virtual
    size: int
    old: int | None
    new: int

    def to_json(self) -> dict:
        return {"field": self.field, "address": self.address, "size": self.size, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class KilledEvent:
    """kill_guest(): `reason` is this call's message; only the first one becomes lg->dead (`kept`)."""

    reason: str
    kept: bool
    chapters: tuple[str, ...] = ("L:035",)
    kind: str = "killed"

    def to_json(self) -> dict:
        return {"kind": self.kind, "reason": self.reason, "kept": self.kept, "chapters": list(self.chapters)}


@dataclass(frozen=True)
class HypercallEvent:
    """One hypercall the Host performed (or refused), synchronous or from the async ring."""

    number: int
    name: str | None            # None for numbers 2.6.31 never defined
    args: tuple[int, ...]       # arg1..arg4 = ebx, ecx, edx, esi
    effect: str                 # one human sentence
    chapters: tuple[str, ...]
    source: str = "sync"        # "sync" (the trapped call) or "async" (a ring slot)
    slot: int | None = None     # ring slot for async calls
    reads: tuple[MemRead, ...] = ()
    writes: tuple[MemWrite, ...] = ()
    kind: str = "hypercall"

    def to_json(self) -> dict:
        return {
            "kind": self.kind, "number": self.number, "name": self.name, "args": list(self.args),
            "source": self.source, "slot": self.slot, "effect": self.effect, "chapters": list(self.chapters),
            "reads": [r.to_json() for r in self.reads], "writes": [w.to_json() for w in self.writes],
        }


@dataclass(frozen=True)
class RewriteEvent:
    """x86/core.c rewrite_hypercall(): vmcall bytes replaced by `int $0x1f; nop` at `address`."""

    address: int
    old: str                    # hex, e.g. "0f01c1"
    new: str                    # hex, e.g. "cd1f90"
    message: str
    chapters: tuple[str, ...]
    writes: tuple[MemWrite, ...] = ()
    kind: str = "rewrite"

    def to_json(self) -> dict:
        return {"kind": self.kind, "address": self.address, "old": self.old, "new": self.new,
                "message": self.message, "chapters": list(self.chapters),
                "writes": [w.to_json() for w in self.writes]}


@dataclass(frozen=True)
class TrapEvent:
    """lguest_arch_handle_trap() for a trap that was not a hypercall: reflected, handled, or fatal."""

    trap: int
    outcome: str                # "reflected" | "handled" | "ignored" | "hypercall" | "unhandled"
    message: str
    chapters: tuple[str, ...]
    frame: dict | None = None   # Frame.to_json() when reflected into the Guest
    writes: tuple[MemWrite, ...] = ()
    kind: str = "trap"

    def to_json(self) -> dict:
        return {"kind": self.kind, "trap": self.trap, "outcome": self.outcome, "message": self.message,
                "chapters": list(self.chapters), "frame": self.frame,
                "writes": [w.to_json() for w in self.writes]}


@dataclass(frozen=True)
class NotifyEvent:
    """run_guest(): pending_notify sends the Host back to the Launcher (which the explorer does not model)."""

    address: int
    message: str
    chapters: tuple[str, ...] = ("H:030",)
    kind: str = "notify"

    def to_json(self) -> dict:
        return {"kind": self.kind, "address": self.address, "message": self.message, "chapters": list(self.chapters)}


@dataclass(frozen=True)
class HaltedEvent:
    """run_guest(): the Guest is halted and nothing deliverable is pending, so the Host sleeps."""

    message: str
    state: str = "sleeping"
    chapters: tuple[str, ...] = ("H:030",)
    kind: str = "halted"

    def to_json(self) -> dict:
        return {"kind": self.kind, "state": self.state, "message": self.message, "chapters": list(self.chapters)}


HostEvent = KilledEvent | HypercallEvent | RewriteEvent | TrapEvent | NotifyEvent | HaltedEvent
