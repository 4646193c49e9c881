"""`Runner`: applies actions to one Machine + Host, turning every guest exit into the Host's answer and Events.
Owns the run's status, budget, event numbering and checkpoints; must not parse action text or build the State.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..guest.faults import explain_exit
from ..guest.machine import Exit, Machine
from ..guest.memory import to_virt
from ..guest.registers import FLAG_BITS, REGISTER_NAMES, flags_of
from ..host import Host, handle_trap, host_check, host_loop_after_exit, raise_irq
from ..host.constants import KVM_HYPERCALL, LGUEST_TRAP_ENTRY
from ..host.decision import Decision
from ..host.events import RewriteEvent
from ..host.guest_view import GuestMemoryFault
from ..host.lguest_data import LGUEST_DATA_SIZE, SCALAR_FIELDS, LguestData, field_at
from ..host.lguest_data import resolve as field_layout
from ..toolchain.disasm import Insn, disassemble_one
from .actions import EXPECT_UNTIL, EXPECT_VALUE, Action, ActionError
from .code import ret_addresses
from .events import Event, EventLog, Where
from .locator import Locator
from .scenarios import Scenario
from .setup import apply_scenario, lguest_data_address
from .values import UnknownValue, Values

EIP_AT, EFLAGS_AT = REGISTER_NAMES.index("eip"), REGISTER_NAMES.index("eflags")
EVENT_LIMIT = 20_000      # beyond this, insn and mem_write events are counted but not kept
RUNNABLE = "running"


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
    status: str
    reason: str
    patched: tuple[tuple[int, str, str], ...]
    labels: tuple[tuple[int, str, int], ...]
    stop_at: frozenset[int]
    actions: int
    state: object | None = None         # the State after the last action, for end-of-request checkpoints


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
        self.host = Host()
        self.log: EventLog | None = None
        self.pending: list[Event] = []
        self.pending_from = -1
        self.seq = self.dropped = self.insn_count = 0
        self.status, self.reason = RUNNABLE, ""
        self.patched: tuple[tuple[int, str, str], ...] = ()
        self.labels: dict[int, tuple[str, int]] = {}
        self.stop_at: frozenset[int] = frozenset()
        self.actions = 0
        self.pages_base: dict | None = None
        self._decoded: dict[tuple[int, bytes], Insn | None] = {}

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
        self._settle()

    def resume(self, cp: Checkpoint) -> None:
        self.m.restore(cp.context, cp.pages)
        self.host = cp.host.copy()
        self.log, self.pending, self.pending_from = cp.log, [], cp.actions
        self.seq, self.dropped, self.insn_count = cp.seq, cp.dropped, cp.insn_count
        self.status, self.reason, self.patched = cp.status, cp.reason, cp.patched
        self.labels = {address: (label, value) for address, label, value in cp.labels}
        self.stop_at, self.actions, self.pages_base = cp.stop_at, cp.actions, cp.pages

    def checkpoint(self) -> Checkpoint:
        self.flush()
        pages = self.m.ram.capture(self.pages_base)
        self.pages_base = pages
        return Checkpoint(self.m.uc.context_save(), pages, self.host.copy(), self.log, self.seq, self.dropped,
                          self.insn_count, self.status, self.reason, self.patched,
                          tuple((a, lbl, v) for a, (lbl, v) in sorted(self.labels.items())), self.stop_at,
                          self.actions)

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

    def _emit_host(self, outputs: list, at: int) -> None:
        for out in outputs:
            fields = out.to_json()
            kind = fields.pop("kind")
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

    def _emit_writes(self) -> None:
        for w in self.m.writes:
            virt = to_virt(w.address)
            offset = virt - (self.host.lguest_data_addr or self.data_addr)
            field = f"lguest_data.{field_at(offset)}" if 0 <= offset < LGUEST_DATA_SIZE else None
            self.emit("mem_write", {"address": w.address, "size": w.size, "old": w.old, "new": w.new,
                                    "symbol": self.build.symbolize(virt), "field": field}, w.eip)
        self.m.writes.clear()

    # -- status ----------------------------------------------------------------------------------------
    def _settle(self) -> None:
        """Status after anything happened: dead, halted, finished (EIP at a stop label) or running."""
        if self.status in ("fault", "budget"):
            return
        if self.host.dead is not None:
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

    def _runnable(self) -> bool:
        if self.status != RUNNABLE:
            return False
        if self.insn_count >= self.budget:
            self.status = "budget"
            self.reason = f"the run used its budget of {self.budget} instructions"
            self.emit("budget", {"budget": self.budget, "message": self.reason})
            return False
        return True

    # -- guest exits -------------------------------------------------------------------------------------
    def decode(self, eip: int) -> Insn | None:
        try:
            data = self.m.read(eip, 15)
        except GuestMemoryFault:
            try:
                data = self.m.read(eip, 1)
            except GuestMemoryFault:
                return None
        key = (eip, data)
        if key not in self._decoded:
            if len(self._decoded) > 4096:
                self._decoded.clear()
            self._decoded[key] = disassemble_one(data, eip)
        return self._decoded[key]

    def _exit(self, exit: Exit) -> str | None:
        """Hand a trap or fault to the Host (lguest_arch_handle_trap, then run_guest's loop); returns
        "hypercall", "host" (the Host looked) or None (no exit to the Host)."""
        if exit.kind in ("count", "stop"):
            self._settle()
            return None
        eip, cs = self.m.eip, self.m.regs["cs"]
        if exit.kind == "trap" and exit.vector == LGUEST_TRAP_ENTRY:
            self.emit("trap", {"vector": exit.vector, "name": "int $0x1f (LGUEST_TRAP_ENTRY)",
                               "message": f"int $0x1f: the Guest traps into the Host with a hypercall (eax = "
                                          f"{self.m.regs['eax']}); EIP is already past the int, at {eip:#x}",
                               "chapters": ["G:020", "H:050"]})
            self._emit_host(handle_trap(self.host, self.m, LGUEST_TRAP_ENTRY), eip)
            self._emit_host(host_loop_after_exit(self.host, self.m, hcall_pending=True), eip)
            self._settle()
            return "hypercall"
        vmcall = exit.kind == "trap" and exit.vector == 6 and (cs & 3) == self.host.guest_pl \
            and self._peek(eip, 3) == KVM_HYPERCALL
        if vmcall:
            self.emit("trap", {"vector": 6, "name": "#UD invalid opcode",
                               "message": f"vmcall (0f 01 c1) at {eip:#x}: a CPU without VT cannot run it and raises "
                                          "#UD, trap 6, which is what the Host sees", "chapters": ["G:020", "H:050"]})
            self._emit_host(handle_trap(self.host, self.m, 6), eip)
        else:
            insn = self._trapping_insn(exit, eip)
            report = explain_exit(exit, eip, insn.mnemonic if insn else None)
            self.emit("fault", report.to_json())
            if report.trap is None:
                self.status, self.reason = "fault", report.explanation
                return "host"
            self._emit_host(handle_trap(self.host, self.m, report.trap, report.errcode, report.cr2), eip)
        if self.host.dead is None:
            eip = self.m.eip                    # where the Host found the Guest (a delivery moves it)
            self._emit_host(host_loop_after_exit(self.host, self.m, hcall_pending=False), eip)
        self._settle()
        return "host"

    def _peek(self, address: int, size: int) -> bytes:
        try:
            return self.m.read(address, size)
        except GuestMemoryFault:
            return b""

    def _trapping_insn(self, exit: Exit, eip: int) -> Insn | None:
        """A software interrupt leaves EIP past the `int`; an exception leaves it at the instruction."""
        if exit.kind == "trap" and exit.vector is not None:
            if self._peek(eip - 2, 2) == bytes([0xCD, exit.vector]) or (exit.vector == 3 and self._peek(eip - 1, 1) == b"\xcc"):
                return Insn(eip - 2, 2, self._peek(eip - 2, 2), "int", f"${exit.vector:#x}")
        return self.decode(eip)

    # -- execution ----------------------------------------------------------------------------------------
    def step_one(self) -> str | None:
        eip = self.m.eip
        insn = self.decode(eip)
        before = self.m.regs.values()
        exit = self.m.run(1)
        self.insn_count += 1
        after = self.m.regs.values()
        next_eip, old_flags, new_flags = after[EIP_AT], before[EFLAGS_AT], after[EFLAGS_AT]
        fields = {"text": insn.text if insn else "(undecodable)", "bytes": insn.bytes.hex(" ") if insn else "",
                  "size": insn.size if insn else 0, "next_eip": next_eip, "eflags": new_flags,
                  "regs": {name: new for name, old, new in zip(REGISTER_NAMES, before, after)
                           if new != old and name not in ("eip", "eflags")},
                  "flags": {name: new_flags >> bit & 1 for name, bit in FLAG_BITS.items()
                            if (old_flags ^ new_flags) >> bit & 1}}
        if insn and insn.mnemonic.startswith("j") and insn.mnemonic != "jmp" and exit.kind == "count":
            fields["branch"] = "not taken" if next_eip == eip + insn.size else "taken"
        if exit.kind in ("trap", "fault"):
            fields["trap"] = exit.vector
        self.emit("insn", fields, eip)
        if self.m.writes:
            self._emit_writes()
        return self._exit(exit)

    def do_step(self, action: Action) -> None:
        count = int(action.args[0], 0) if action.args else 1
        for _ in range(count):
            if not self._runnable():
                return
            self.step_one()

    def do_run_until(self, action: Action) -> None:
        target = action.args[0]
        address = None
        if target == "ret":
            stops = ret_addresses(self.build)
        elif target in ("hypercall", "decision"):
            stops = frozenset()
        else:
            try:
                address = self.values.resolve(target)
            except UnknownValue as exc:
                raise ActionError(action.index, 1, target, EXPECT_UNTIL, exc.why) from None
            stops = frozenset({address})
        stops |= self.stop_at
        if target == "ret":
            insn = self.decode(self.m.eip)
            if insn is not None and insn.mnemonic.startswith("ret") and self._runnable():
                self.step_one()
                return
        while self._runnable():
            exit = self.m.run(self.budget - self.insn_count, stops)
            self.insn_count += exit.executed
            self._emit_writes()
            looked = self._exit(exit)
            eip = self.m.eip
            if exit.kind == "stop" and self.status == RUNNABLE:
                if target == "ret":
                    self.step_one()
                    return
                if eip == address:
                    return
            if looked == "hypercall" and target == "hypercall" or looked and target == "decision":
                return

    def do_set(self, action: Action) -> None:
        name, word = action.target, action.args[1]
        limit = 1 if name in FLAG_BITS or name == "host.halted" else 0xFFFFFFFF
        if name.startswith("lguest_data."):
            limit = (1 << 8 * field_layout(name.removeprefix("lguest_data."))[1]) - 1
        try:
            value = self.values.resolve(word, limit)
        except UnknownValue as exc:
            raise ActionError(action.index, 2, word, EXPECT_VALUE, exc.why) from None
        regs = self.m.regs
        if name in FLAG_BITS:
            bit = 1 << FLAG_BITS[name]
            regs["eflags"] = regs["eflags"] | bit if value else regs["eflags"] & ~bit
        elif name.startswith("lguest_data."):
            data = LguestData(self.m, self.host.lguest_data_addr or self.data_addr)
            data.write(name.removeprefix("lguest_data."), value)
        elif name == "host.irqs_pending":
            self.host.irqs_pending = value
        elif name == "host.halted":
            self.host.halted = bool(value)
        else:
            regs[name] = value
        if self.status == "finished" and self.m.eip not in self.stop_at:
            self.status = RUNNABLE                  # moved EIP away from the stop label: runnable again
        if self.status in (RUNNABLE, "finished", "halted"):
            self._settle()

    def do_raise_irq(self, action: Action) -> None:
        raise_irq(self.host, int(action.args[0], 0))

    def do_host_check(self, action: Action) -> None:
        if self.host.dead is not None:
            return
        eip = self.m.eip
        self._emit_host(host_check(self.host, self.m), eip)
        if self.status == "finished" and self.m.eip not in self.stop_at:
            self.status = RUNNABLE
        self._settle()

    def do_reset(self, action: Action) -> None:
        budget_gone = self.status == "budget"
        self.start()
        if budget_gone:
            self.status, self.reason = "budget", f"the run used its budget of {self.budget} instructions"

    def apply(self, action: Action) -> None:
        self.emit("action", {"action_index": action.index, "action": action.text})
        getattr(self, f"do_{action.verb}")(action)
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
    def observe(self) -> dict:
        regs = self.m.regs.snapshot()
        seen: dict = {name: regs[name] for name in REGISTER_NAMES}
        seen.update(flags_of(regs["eflags"]))
        for name, _offset, _size, value in self.lguest_fields():
            seen[f"lguest_data.{name}"] = value
        host = self.host
        seen.update({"host.initialised": host.lguest_data_addr is not None, "host.irqs_pending": host.irqs_pending,
                     "host.halted": host.halted, "host.dead": host.dead, "host.idt": len(host.idt),
                     "host.patched": len(self.patched)})
        return seen


def changed_between(before: dict, after: dict) -> list[str]:
    return [name for name, value in after.items() if before.get(name) != value]


def with_state(cp: Checkpoint, state) -> Checkpoint:
    return dataclasses.replace(cp, state=state)
