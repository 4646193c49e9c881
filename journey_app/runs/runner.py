"""`Runner`: applies actions to one Machine + Host, turning every guest exit into the Host's answer and Events.
Owns the run's status, budget, event numbering and checkpoints; must not parse action text or build the State.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..caches import BoundedCache
from ..guest.machine import LOG_KEEP, Machine
from ..guest.memory import to_virt
from ..guest.registers import FLAG_BITS, REGISTER_NAMES
from ..host import Host, clock, host_check, raise_irq
from ..host.decision import Decision
from ..host.events import RewriteEvent
from ..host.guest_view import GuestMemoryFault
from ..host.lguest_data import LGUEST_DATA_SIZE, SCALAR_FIELDS, field_at
from ..toolchain.disasm import Insn, disassemble_one
from .actions import Action
from .events import Event, EventLog, quick_event
from .locator import Locator
from .scenarios import Scenario
from .setup import apply_scenario, lguest_data_address
from .values import Values
from .status import RUNNABLE, Status
from .verbs import EFLAGS_AT, VERBS

if TYPE_CHECKING:
    from .state import State
# Beyond this, insn and mem_write events are counted but not kept. A response shows at most the last 10,000
# events (1,000 by default); the cap bounds what one hostile run (`set eip 0; run_until ...`: a store per
# instruction) holds in memory while it runs: ~1 KiB an event, twice over while its JSON is made.
EVENT_LIMIT = 5_000
assert EVENT_LIMIT <= LOG_KEEP    # the machine keeps at least as many logged stores as a trace can show
HOST_JSON_KEPT = 256      # distinct Host outputs whose JSON one run shares between equal events
# (address, the 15 bytes there) -> instruction: the bytes decide the decoding, so this is shared by
# every run of every build in the process.
_DECODED: BoundedCache[tuple[int, bytes], Insn | None] = BoundedCache("runs.decoded", 2 << 20)


@dataclass(frozen=True)
class Checkpoint:
    """Everything needed to continue a run after `actions` actions, without re-executing them."""

    context: object
    pages: dict
    host: Host
    log: EventLog | None
    seq: int
    dropped: int
    insn_count: int
    status: Status
    reason: str
    patched: tuple[tuple[int, str, str], ...]
    labels: tuple[tuple[int, str, int], ...]
    stop_at: frozenset[int]
    actions: int
    state: State | None = None         # the State after the last action, for end-of-request checkpoints
    breakpoints: tuple = ()             # debug.Breakpoint, kept across reset
    watches: tuple = ()                 # debug.Watch
    last_stop: dict | None = None       # why the last action stopped (its `stopped` event), for the State


class Runner:
    def __init__(self, machine: Machine, scenario: Scenario, values: Values, locate: Locator, budget: int):
        self.m = machine
        self.build = machine.build
        self.scenario = scenario
        self.values = values
        self.locate = locate
        self.budget = budget
        self.data_addr = lguest_data_address(values, scenario)
        union, size = values.lookup("init_thread_union"), values.lookup("THREAD_SIZE")
        self.stack_top = union + size if union is not None and size is not None else None
        self.stack_bottom = union
        self.host = Host()
        self.log: EventLog | None = None
        self.pending: list[Event] = []
        self.pending_from = -1
        self.seq = self.dropped = self.insn_count = 0
        self.status: Status = RUNNABLE
        self.reason = ""
        self.patched: tuple[tuple[int, str, str], ...] = ()
        self.labels: dict[int, tuple[str, int]] = {}
        self._host_json: dict[object, dict] = {}     # see host_fields()
        self.stop_at: frozenset[int] = frozenset()
        self.actions = 0
        self.pages_base: dict | None = None
        self.breakpoints: tuple = ()
        self.watches: tuple = ()
        self.last_stop: dict | None = None
        self._symbols: dict[int, str | None] = {}   # emit_writes' symbolize() memo (stack slots repeat)
        # Wall-clock end of this request's emulation (replay sets it): counts alone do not bound time, since
        # an instruction that rewrites code costs a Unicorn cache flush (1-2 ms) instead of nanoseconds.
        self.deadline: float | None = None
        self.seconds = 0.0
        self.timed_out = False

    # -- starting, checkpoints -------------------------------------------------------------------------
    def start(self) -> None:
        """The scenario's first moment: fresh machine, fresh Host, then the scenario's set-up."""
        self.m.restore(None, {})
        self.host = Host()
        start = apply_scenario(self.m, self.host, self.values, self.scenario)
        self.stop_at = start.stop_at
        self.labels = {address: (label, value) for address, label, value in start.labels}
        self.patched = start.patched
        self.status, self.reason = RUNNABLE, ""
        self.pages_base = None
        self.settle()

    def resume(self, cp: Checkpoint) -> None:
        self.m.restore(cp.context, cp.pages)
        self.host = cp.host.copy()
        self.log, self.pending, self.pending_from = cp.log, [], cp.actions
        self.seq, self.dropped, self.insn_count = cp.seq, cp.dropped, cp.insn_count
        self.status, self.reason, self.patched = cp.status, cp.reason, cp.patched
        self.labels = {address: (label, value) for address, label, value in cp.labels}
        self.stop_at, self.actions, self.pages_base = cp.stop_at, cp.actions, cp.pages
        self.breakpoints, self.watches, self.last_stop = cp.breakpoints, cp.watches, cp.last_stop

    def checkpoint(self) -> Checkpoint:
        self.flush()
        pages = self.m.ram.capture(self.pages_base)
        self.pages_base = pages
        return Checkpoint(self.m.uc.context_save(), pages, self.host.copy(), self.log, self.seq, self.dropped,
                          self.insn_count, self.status, self.reason, self.patched,
                          tuple((a, lbl, v) for a, (lbl, v) in sorted(self.labels.items())), self.stop_at,
                          self.actions, None, self.breakpoints, self.watches, self.last_stop)

    def flush(self) -> None:
        self.log = EventLog.extend(self.log, self.pending, self.pending_from)
        self.pending, self.pending_from = [], self.actions

    def events_since(self, action_index: int) -> list[Event]:
        self.flush()
        return self.log.since(action_index) if self.log else []

    # -- events ----------------------------------------------------------------------------------------
    def emit(self, kind: str, fields: dict, at: int | None = None) -> None:
        if kind in ("insn", "mem_write") and len(self.pending) + (self.log.length if self.log else 0) >= EVENT_LIMIT:
            self.dropped += 1
        else:
            self.pending.append(Event(self.seq, kind, self.locate(self.m.eip if at is None else at), fields))
        self.seq += 1

    def host_fields(self, out) -> dict:
        """out.to_json() as a fresh top-level dict whose nested lists and dicts are shared with every equal
        output of this run. A loop of `host_check`s makes thousands of equal Decisions (~6 KiB of JSON each):
        shared, 3,000 of them hold ~2 MiB instead of ~19. Nested values are read-only from here on (events
        are annotated at the top level only). Outputs are frozen dataclasses; one that holds a list is not
        hashable and is converted afresh."""
        try:
            found = self._host_json.get(out)
        except TypeError:
            return out.to_json()
        if found is None:
            found = out.to_json()
            if len(self._host_json) < HOST_JSON_KEPT:
                self._host_json[out] = found
        return dict(found)

    def emit_host(self, outputs: list, at: int, trigger: str | None = None) -> None:
        """Host outputs as events; `trigger` ("kick") says what made the Host look, on its decisions."""
        for out in outputs:
            fields = self.host_fields(out)
            kind = fields.pop("kind")
            if trigger and isinstance(out, Decision):
                fields["trigger"] = trigger
            self.emit(kind, fields, at)
            if isinstance(out, RewriteEvent):
                self.patched += ((out.address, out.old, out.new),)
            if isinstance(out, Decision) and out.frame is not None:
                for word in out.frame.words:
                    self.labels[word.address] = (word.label, word.value)
                if out.outcome == "deliver":
                    self.emit("irq_delivered", {"irq": out.irq, "vector": out.vector, "handler": out.frame.handler,
                                                "handler_symbol": self.build.symbolize(to_virt(out.frame.handler)),
                                                "frame": out.frame.to_json()}, at)

    def emit_writes(self) -> None:
        """A `mem_write` event for every store the machine logged since the last call (a long native run
        logs thousands: past EVENT_LIMIT they are only counted, and symbols are looked up once a run)."""
        if not len(self.m.log):
            return
        room = max(0, EVENT_LIMIT - len(self.pending) - (self.log.length if self.log else 0))
        records, total = self.m.take_writes(room)
        over = total - len(records)
        base = self.host.lguest_data_addr or self.data_addr
        symbols = self._symbols
        pending, locate, seq = self.pending, self.locate, self.seq
        for eip, address, size, old, new in records:
            virt = to_virt(address)
            offset = virt - base
            if virt in symbols:
                symbol = symbols[virt]
            else:
                symbol = symbols[virt] = self.build.symbolize(virt)
            pending.append(quick_event(seq, "mem_write", locate(eip), {
                "address": address, "size": size, "old": old, "new": new, "symbol": symbol,
                "field": f"lguest_data.{field_at(offset)}" if 0 <= offset < LGUEST_DATA_SIZE else None}))
            seq += 1
        self.seq = seq + over                     # the ones over the limit are numbered, counted, not kept
        self.dropped += over

    # -- status ----------------------------------------------------------------------------------------
    def settle(self) -> None:
        """Status after anything happened: dead, halted, finished (EIP at a stop label) or running."""
        if self.status in ("fault", "budget"):
            return
        if self.host.restart:
            self.status, self.reason = "dead", ("restart: SHUTDOWN(LGUEST_SHUTDOWN_RESTART) set lg->dead = "
                                                "ERR_PTR(-ERESTART); run_guest() returns -ERESTART and the "
                                                "Launcher starts the Guest again")
        elif self.host.dead is not None:
            self.status, self.reason = "dead", self.host.dead
        elif self.host.halted:
            self.status, self.reason = "halted", "the Guest is halted (LHCALL_HALT): the Host runs it again when " \
                                                 "an interrupt can be delivered"
        elif self.m.eip in self.stop_at:
            if self.status != "finished":
                self.status = "finished"
                where = self.locate(self.m.eip)
                self.reason = f"reached {where.symbol or hex(self.m.eip)}"
                self.emit("finished", {"reason": self.reason})
        else:
            self.status, self.reason = RUNNABLE, ""

    # -- the virtual clock (host/clock.py) -------------------------------------------------------------
    def clock_now(self) -> int:
        return clock.now_ns(self.insn_count, self.host.idle_ns)

    def sync_clock(self) -> None:
        """What the Host reads as "now" when it next looks (SET_CLOCKEVENT arms relative to it)."""
        self.host.now_ns = self.clock_now()

    def room(self) -> int:
        """Instructions a native run may take: the budget left, stopping early where the timer fires."""
        left = self.budget - self.insn_count
        until = clock.instructions_until(self.host.timer, self.clock_now())
        return left if until is None else max(1, min(left, until))

    def tick(self) -> bool:
        """H:200 clockdev_fn(): once the virtual clock reaches the deadline, set_interrupt(cpu, 0) and the
        Host looks (the hrtimer kicks the Guest out, so run_guest() runs its loop)."""
        host = self.host
        if host.dead is not None or clock.instructions_until(host.timer, self.clock_now()) != 0:
            return False
        deadline = host.timer.deadline_ns
        host.timer = clock.expire(host.timer)
        raise_irq(host, clock.TIMER_IRQ)
        self.sync_clock()
        self.emit("timer", {"irq": clock.TIMER_IRQ, "deadline_ns": deadline, "now_ns": host.now_ns,
                            "message": f"the clock event fired at virtual time {host.now_ns} ns: the Host sets "
                                       "irq 0 pending (clockdev_fn → set_interrupt) and looks",
                            "chapters": ["G:038", "H:200"]})
        eip = self.m.eip
        self.emit_host(host_check(host, self.m), eip)
        if self.status == "halted":
            self.status = RUNNABLE
        self.settle()
        return True

    def runnable(self) -> bool:
        if self.status == "halted" and self.host.timer.deadline_ns is not None and self.host.dead is None:
            # The Host sleeps until the hrtimer fires: virtual time jumps to the deadline.
            self.host.idle_ns += max(0, self.host.timer.deadline_ns - self.clock_now())
            self.tick()
        if self.status != RUNNABLE:
            return False
        if self.insn_count >= self.budget:
            self.status = "budget"
            self.reason = f"the run used its budget of {self.budget} instructions"
            self.emit("budget", {"budget": self.budget, "message": self.reason})
            return False
        return not self.out_of_time()

    def out_of_time(self) -> bool:
        """True once the wall-clock budget is spent (the first time: status budget and a budget event).
        Checked per instruction step and per action, so host checks and resets are bounded too."""
        if self.timed_out:
            return True
        if self.deadline is None or time.monotonic() < self.deadline:
            return False
        self.status, self.timed_out = "budget", True
        self.reason = f"the run used its time budget of {self.seconds:g} s after {self.insn_count} instructions"
        self.emit("budget", {"budget": self.budget, "seconds": self.seconds, "message": self.reason})
        return True

    def time_left(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    # -- reading the machine ------------------------------------------------------------------------------
    def decode(self, eip: int) -> Insn | None:
        try:
            data = self.m.read(eip, 15)
        except GuestMemoryFault:
            try:
                data = self.m.read(eip, 1)
            except GuestMemoryFault:
                return None
        return _DECODED.get_or_make((eip, data), lambda: disassemble_one(data, eip))

    def peek(self, address: int, size: int) -> bytes:
        try:
            return self.m.read(address, size)
        except GuestMemoryFault:
            return b""

    def apply(self, action: Action) -> None:
        self.emit("action", {"action_index": action.index, "action": action.text})
        self.last_stop = None
        VERBS[action.verb](self, action)
        self.actions = action.index + 1

    def lguest_fields(self) -> list[tuple[str, int, int, int | None]]:
        """(name, offset, size, value) of every scalar lguest_data field, from one read of the struct."""
        base = self.host.lguest_data_addr or self.data_addr
        try:
            raw = self.m.read(base, LGUEST_DATA_SIZE)
        except GuestMemoryFault:
            return [(f.name, f.offset, f.size, None) for f in SCALAR_FIELDS]
        return [(f.name, f.offset, f.size, int.from_bytes(raw[f.offset:f.offset + f.size], "little"))
                for f in SCALAR_FIELDS]

    # -- what `changed` compares ---------------------------------------------------------------------------
    def observe(self) -> tuple:
        """What `changed` compares: registers, lguest_data's bytes, the Host's visible fields."""
        host = self.host
        try:
            data = self.m.read(self.host.lguest_data_addr or self.data_addr, LGUEST_DATA_SIZE)
        except GuestMemoryFault:
            data = b""
        return (self.m.regs.read_all(), data, (host.lguest_data_addr is not None, host.irqs_pending, host.halted,
                                             host.dead, len(host.idt), len(self.patched), host.gdt, host.timer,
                                             host.pagetables))


HOST_NAMES = ("host.initialised", "host.irqs_pending", "host.halted", "host.dead", "host.idt", "host.patched",
              "host.gdt", "host.timer", "host.pagetables")


def changed_between(before: tuple, after: tuple) -> list[str]:
    """Names of what differs: "eax", "ZF", "lguest_data.irq_pending", "host.irqs_pending", ..."""
    (regs0, data0, host0), (regs1, data1, host1) = before, after
    names = [name for name, a, b in zip(REGISTER_NAMES, regs0, regs1, strict=True) if a != b]
    flags0, flags1 = regs0[EFLAGS_AT], regs1[EFLAGS_AT]
    names += [name for name, bit in FLAG_BITS.items() if (flags0 ^ flags1) >> bit & 1]
    if data0 != data1:
        names += [f"lguest_data.{f.name}" for f in SCALAR_FIELDS
                  if data0[f.offset:f.offset + f.size] != data1[f.offset:f.offset + f.size]]
    return names + [name for name, a, b in zip(HOST_NAMES, host0, host1, strict=True) if a != b]


def with_state(cp: Checkpoint, state) -> Checkpoint:
    return dataclasses.replace(cp, state=state)
