"""`Event` (one thing that happened in a run, located in source and chapter) and `EventLog`, a shared history.
Owns the event JSON shape; must not decide anything. Host events keep their own to_json() fields.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from ..catalog import Located as Where  # where an address lives: symbol, source line, owning chapter

KINDS = ("insn", "mem_write", "trap", "rewrite", "hypercall", "decision", "irq_delivered", "fault", "budget",
         "killed", "halted", "finished", "action", "notify", "stopped", "timer")


@dataclass(frozen=True)
class Event:
    """{"seq", "kind", "eip", "file", "line", "chapter", ...fields}. `fields` is JSON-ready already."""

    seq: int
    kind: str
    where: Where
    fields: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"seq": self.seq, "kind": self.kind, "eip": self.where.address, "file": self.where.file,
                "line": self.where.line, "chapter": self.where.chapter, **self.fields}


_new = object.__new__


def quick_event(seq: int, kind: str, where: Where, fields: dict) -> Event:
    """Event(seq, kind, where, fields), made without the frozen dataclass's four object.__setattr__ calls
    (a long native run logs thousands of stores, one event each); equal to the one Event() makes."""
    event = _new(Event)
    event.__dict__.update(seq=seq, kind=kind, where=where, fields=fields)
    return event


@dataclass(frozen=True)
class EventLog:
    """A persistent list: each node adds the events of some actions to its parent's, so checkpoints
    share history instead of copying it. `first_action` is the index of the first action in `chunk`."""

    parent: EventLog | None
    chunk: tuple[Event, ...]
    first_action: int
    length: int

    @staticmethod
    def extend(parent: EventLog | None, chunk: list[Event], first_action: int) -> EventLog | None:
        if not chunk:
            return parent
        return EventLog(parent, tuple(chunk), first_action, (parent.length if parent else 0) + len(chunk))

    def since(self, action_index: int) -> list[Event]:
        """Events from the `action` event of `action_index` on (0: everything, including set-up events)."""
        chunks: list[tuple[Event, ...]] = []
        node: EventLog | None = self
        while node is not None:
            chunks.append(node.chunk)
            if node.first_action < action_index:
                break
            node = node.parent
        events = list(itertools.chain.from_iterable(reversed(chunks)))
        if action_index <= 0:
            return events
        for position, event in enumerate(events):
            if event.kind == "action" and event.fields.get("action_index", -1) >= action_index:
                return events[position:]
        return []
