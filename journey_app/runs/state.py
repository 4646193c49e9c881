"""`State`: the machine and Host at one moment, in the JSON shape the explorer, the labs and the CLI read.
Owns that shape (ARCHITECTURE.md "Runs, State and Events"); must not change the machine while reading it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..caches import BoundedCache
from ..guest.memory import to_virt
from ..guest.registers import flags_of
from ..host.frames import gate_kind, idt_address, idt_present
from ..host.constants import HCALL_STATUS_FREE, LGUEST_PAGES_CPU0, LHCALL_RING_SIZE
from ..host.guest_view import GuestMemoryFault
from ..host.idt import cpu_gate
from ..host.lguest_data import resolve as field_layout
from ..toolchain.dwarf_vars import variable_index
from .runner import Runner
from .status import Status

STACK_BELOW, STACK_ABOVE = 2, 10      # words shown under ESP and at/over it
# The keys of the State's "host" object (build_state writes them in this order; a lab's `host` check names one).
HOST_KEYS = ("initialised", "lguest_data", "irqs_pending", "blocked", "halted", "dead", "noirq_start",
             "noirq_end", "idt", "patched", "restart", "kick", "ts", "pending_notify", "clockevent_ns",
             "kernel_stack", "pgdir", "pgdirs", "last_pages", "async_ring", "gdt", "timer", "pagetables")


@dataclass(frozen=True, kw_only=True)
class State:
    scenario: str
    version: str
    status: Status
    reason: str
    insn_count: int
    eip: int
    location: dict
    next_insn: dict | None
    registers: dict
    flags: dict
    lguest_data: dict
    host: dict
    stack: list
    changed: list
    breakpoints: list
    watches: list
    stop: dict | None
    locals: list


    def to_json(self) -> dict:
        return {"scenario": self.scenario, "version": self.version, "status": self.status, "reason": self.reason,
                "insn_count": self.insn_count, "eip": self.eip, "location": self.location,
                "next_insn": self.next_insn, "registers": self.registers, "flags": self.flags,
                "lguest_data": self.lguest_data, "host": self.host, "stack": self.stack, "changed": self.changed,
                "breakpoints": self.breakpoints, "watches": self.watches, "stop": self.stop,
                "locals": self.locals}


def _stack(runner: Runner, esp: int) -> list[dict]:
    words = []
    build = runner.build
    lo, hi = build.image_range()
    end = esp + 4 * STACK_ABOVE
    top, bottom = runner.stack_top, runner.stack_bottom
    if top is not None and bottom is not None and bottom <= esp <= top:
        end = min(end, top)                         # nothing above the top of init_thread_union is stack
    for address in range(esp - 4 * STACK_BELOW, end, 4):
        try:
            value = int.from_bytes(runner.m.read(address & 0xFFFFFFFF, 4), "little")
        except GuestMemoryFault:
            continue
        label = None
        known = runner.labels.get(address)
        if known is not None and known[1] == value:
            label = known[0]
        elif address >= esp and runner.peek(value - 5, 1) == b"\xe8" and build.line_at(to_virt(value - 5)):
            label = "return address"               # the word a `call` pushed
        target = to_virt(value)
        words.append({"address": address, "value": value, "label": label,
                      "symbol": build.symbolize(target) if lo <= target < hi else None})
    return words


def _where(runner: Runner, address: int) -> dict:
    where = runner.locate(address)
    return {"symbol": where.symbol, "file": where.file, "line": where.line}


_IDT_ROWS: BoundedCache[tuple, list[dict]] = BoundedCache("runs.idt_rows", 1 << 20)
RING_STATUS = field_layout("hcall_status[0]")[0]
RING_ARGS = field_layout("hcalls[0].arg0")[0]


def _idt(runner: Runner) -> list[dict]:
    """The Host's IDT as rows, memoised by content (every scenario after boot has the same IDT).

    The list is shared between States like the States themselves are shared through the checkpoint
    cache: readers must treat State JSON as read-only."""
    key = (runner.build.input_hash, tuple(sorted(runner.host.idt.items())))

    def rows() -> list[dict]:
        made: list[dict] = []
        for vector, (lo, hi) in key[1]:
            handler = idt_address(lo, hi)
            gate = cpu_gate(runner.host, vector)
            made.append({"vector": vector, "lo": lo, "hi": hi, "present": idt_present(lo, hi), "handler": handler,
                         "handler_symbol": runner.build.symbolize(to_virt(handler)),
                         "gate": gate_kind(lo, hi) if idt_present(lo, hi) else None,
                         "dpl": (hi >> 13) & 3,
                         # copy_traps(): the CPU enters the Guest's handler itself, or exits to the Host
                         "cpu": "direct" if gate.direct else "host"})
        return made

    return _IDT_ROWS.get_or_make(key, rows)


def _ring(runner: Runner) -> dict:
    """The async hypercall ring as do_async_hcalls() will see it: the Host's cursor, every slot's status
    byte (0xff free/done, 0 ready) and the arguments of the slots that are not free."""
    host = runner.host
    base = host.lguest_data_addr or runner.data_addr
    status = runner.peek(base + RING_STATUS, LHCALL_RING_SIZE)
    args = runner.peek(base + RING_ARGS, LHCALL_RING_SIZE * 20)
    slots = []
    if len(status) == LHCALL_RING_SIZE and len(args) == LHCALL_RING_SIZE * 20:
        for slot, value in enumerate(status):
            if value != HCALL_STATUS_FREE:
                words = [int.from_bytes(args[20 * slot + 4 * i:20 * slot + 4 * i + 4], "little") for i in range(5)]
                slots.append({"slot": slot, "status": value, "args": words})
    return {"next_hcall": host.next_hcall, "status": status.hex() or None, "slots": slots}


def _pgdirs(host) -> list[int]:
    """The top-level page tables the Host has shadowed (lg->pgdirs[].gpgdir): the model keeps the one
    the Guest runs on."""
    found = getattr(host, "pgdirs", None)
    if found is not None:
        return list(found)
    return [host.pgdir] if host.pgdir is not None else []
def _locals(runner: Runner, eip: int, regs: dict) -> list[dict]:
    """The C parameters and locals live at EIP, where gcc kept them (toolchain/dwarf_vars.py) and their
    values now. Names starting with "__" are the stand-in macros' own temporaries and are left out."""
    build = runner.build
    out = []
    for var, place in variable_index(build.input_hash, build.elf).at(to_virt(eip)):
        if var.name.startswith("__"):
            continue
        value = None
        if place.kind == "register" and place.reg is not None:
            value = regs[place.reg]
        elif place.kind == "memory" and place.reg is not None:
            word = runner.peek((regs[place.reg] + place.offset) & 0xFFFFFFFF, 4)
            value = int.from_bytes(word, "little") if len(word) == 4 else None
        elif place.kind == "value":
            value = place.value
        out.append({"function": var.function, "name": var.name, "kind": var.kind, "where": place.describe(),
                    "value": value})
    return out


def build_state(runner: Runner, changed: list[str]) -> State:
    m, host = runner.m, runner.host
    regs = m.regs.snapshot()
    eip = regs["eip"]
    insn = runner.decode(eip)
    base = host.lguest_data_addr or runner.data_addr
    fields = [{"name": name, "offset": offset, "size": size, "value": value}
              for name, offset, size, value in runner.lguest_fields()]
    blocked = next(f["value"] for f in fields if f["name"] == "blocked_interrupts")
    host_json = {
        "initialised": host.lguest_data_addr is not None, "lguest_data": host.lguest_data_addr,
        "irqs_pending": host.irqs_pending, "blocked": blocked if host.lguest_data_addr is not None else None,
        "halted": host.halted, "dead": host.dead, "noirq_start": host.noirq_start, "noirq_end": host.noirq_end,
        "idt": _idt(runner),
        "patched": [{"address": address, "old": old, "new": new, **_where(runner, address)}
                    for address, old, new in runner.patched],
        # What else struct lguest / lg_cpu keep (lg.h), so the panel can show the whole Host side.
        "restart": host.restart, "kick": host.kick, "ts": host.ts, "pending_notify": host.pending_notify,
        "clockevent_ns": host.clockevent_ns,
        "kernel_stack": {"ss1": host.ss1, "esp1": host.esp1, "pages": host.stack_pages},
        "pgdir": host.pgdir, "pgdirs": _pgdirs(host), "last_pages": LGUEST_PAGES_CPU0,
        "async_ring": _ring(runner),
        # LOAD_GDT_ENTRY / LOAD_TLS as the Host stored them (segments.c), the clock event on the virtual
        # clock (host/clock.py) and the page tables as the hypercalls described them (host/pagetables.py).
        "gdt": [{"index": index, "lo": lo, "hi": hi} for index, (lo, hi) in sorted(host.gdt.items())],
        "timer": host.timer.to_json(runner.clock_now()),
        "pagetables": host.pagetables.to_json(),
    }
    return State(
        scenario=runner.scenario.id, version=runner.build.version, status=runner.status, reason=runner.reason,
        insn_count=runner.insn_count, eip=eip, location=runner.locate(eip).to_json(),
        next_insn={"address": eip, "text": insn.text, "bytes": insn.bytes.hex(" ")} if insn else None,
        registers=regs, flags=flags_of(regs["eflags"]),
        lguest_data={"address": base, "fields": fields}, host=host_json, stack=_stack(runner, regs["esp"]),
        changed=changed,
        breakpoints=[b.to_json() for b in runner.breakpoints], watches=[w.to_json(runner) for w in runner.watches],
        stop=runner.last_stop, locals=_locals(runner, eip, regs),
    )
