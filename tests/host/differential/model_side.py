"""Runs the Python Host model on a KState and reports what it did in the same shape as the kernel side.

`outcome(family, before, after)` is what the two sides must agree on: guest memory, registers,
lg->dead, and every host-private field the function can change.
"""

from __future__ import annotations

from journey_app.host import Host, do_hypercalls, handle_trap
from journey_app.host.constants import PAGE_OFFSET
from journey_app.host.guest_view import REG_NAMES
from journey_app.host.idt import real_idt
from journey_app.host.interrupts import decide

from ..conftest import MemoryGuest
from .kernel_host import KState

ERRNO_NAMES = {85: "ERESTART"}
COMPARED_REGS = tuple(r for r in REG_NAMES)


def to_model(state: KState) -> tuple[Host, MemoryGuest]:
    mem_size = len(state.memory)
    host = Host(mem_size=mem_size)
    host.lguest_data_addr = None if state.lguest_data is None else PAGE_OFFSET + state.lguest_data
    host.irqs_pending = state.irqs_pending
    host.halted = bool(state.halted)
    host.noirq_start, host.noirq_end = state.noirq_start, state.noirq_end
    host.kernel_address = state.kernel_address
    host.next_hcall = state.next_hcall
    host.pending_notify = state.pending_notify
    host.hcall_pending = bool(state.hcall)
    host.ts = state.ts
    host.ss1, host.esp1, host.stack_pages = state.ss1, state.esp1, state.stack_pages
    host.idt = {v: e for v, e in state.idt.items() if e != (0, 0)}
    host.gdt = {i: e for i, e in state.gdt.items() if e != (0, 0)}
    host.timestamps = state.timestamps
    host.dead = state.dead
    guest = MemoryGuest(mem_size)
    guest.mem[:] = state.memory
    guest.regs = {name: state.regs.get(name, 0) for name in REG_NAMES}
    return host, guest


def run_model(family: str, state: KState) -> dict:
    host, guest = to_model(state)
    extra: dict = {}
    if family == "interrupts":
        d = decide(host, guest)
        extra = {"irq": d.irq, "more": d.more if d.irq is not None else None}
    elif family == "traps":
        events = handle_trap(host, guest, state.regs.get("trapnum", 0), state.regs.get("errcode", 0),
                             state.last_pagefault)
        extra = {"rewrites": sum(1 for e in events if getattr(e, "kind", "") == "rewrite")}
    elif family == "hypercalls":
        do_hypercalls(host, guest)
        extra = {"clockevent": host.clockevent_ns}
    elif family == "idt":
        extra = {"real_idt": real_idt(host, state.default_handlers)}
    return _common(host, bytes(guest.mem), guest.regs) | extra


def run_kernel(family: str, state: KState, kernel) -> dict:
    entry = {"interrupts": "h_deliver", "traps": "h_trap", "hypercalls": "h_hypercalls", "idt": "h_idt"}[family]
    out = kernel.call(entry, state)
    dead = out.dead
    if dead is not None and dead.startswith("ERR_PTR(-"):
        errno = int(dead[9:-1])
        dead = f"ERR_PTR(-{ERRNO_NAMES.get(errno, errno)})"
    common = {
        "memory": bytes(out.memory), "regs": {name: out.regs[name] for name in COMPARED_REGS},
        "dead": dead, "lguest_data": out.lguest_data, "irqs_pending": out.irqs_pending, "halted": bool(out.halted),
        "noirq": (out.noirq_start, out.noirq_end), "kernel_address": out.kernel_address,
        "next_hcall": out.next_hcall, "pending_notify": out.pending_notify, "hcall": bool(out.hcall), "ts": out.ts,
        "stack": (out.ss1, out.esp1, out.stack_pages), "idt": {v: e for v, e in out.idt.items() if e != (0, 0)},
        "gdt": {i: e for i, e in out.gdt.items() if e != (0, 0)}, "timestamps": out.timestamps,
        "bugs": out.stubs["bugs"],
    }
    if family == "interrupts":
        found = out.irq < 32
        common |= {"irq": out.irq if found else None, "more": bool(out.more) if found else None}
    elif family == "traps":
        common |= {"rewrites": out.stubs["clear_all"]}
    elif family == "hypercalls":
        common |= {"clockevent": out.stubs["clock_delta"]}
    elif family == "idt":
        common |= {"real_idt": out.real_idt}
    return common


def _common(host: Host, memory: bytes, regs: dict) -> dict:
    dead = host.dead
    return {
        "memory": memory, "regs": {name: regs[name] & 0xFFFFFFFF for name in COMPARED_REGS},
        "dead": dead, "lguest_data": None if host.lguest_data_addr is None else host.lguest_data_addr - PAGE_OFFSET,
        "irqs_pending": host.irqs_pending, "halted": host.halted, "noirq": (host.noirq_start, host.noirq_end),
        "kernel_address": host.kernel_address, "next_hcall": host.next_hcall, "pending_notify": host.pending_notify,
        "hcall": host.hcall_pending, "ts": host.ts, "stack": (host.ss1, host.esp1, host.stack_pages),
        "idt": {v: e for v, e in host.idt.items() if e != (0, 0)},
        "gdt": {i: e for i, e in host.gdt.items() if e != (0, 0)}, "timestamps": host.timestamps, "bugs": 0,
    }


def differences(model: dict, kernel: dict) -> list[str]:
    """Readable differences; memory is reported by the first differing offsets."""
    out = []
    for key in kernel:
        a, b = model.get(key), kernel[key]
        if a == b:
            continue
        if key == "memory":
            offs = [i for i in range(len(b)) if a[i] != b[i]]
            out.append(f"memory differs at {len(offs)} byte(s), first at {offs[0]:#x}: "
                       f"model {a[offs[0]:offs[0] + 8].hex()} kernel {b[offs[0]:offs[0] + 8].hex()}")
        elif isinstance(b, dict):
            keys = sorted(set(a) | set(b), key=str)
            out.append(f"{key}: " + ", ".join(f"{k}: model {_hex(a.get(k))} kernel {_hex(b.get(k))}"
                                              for k in keys if a.get(k) != b.get(k)))
        else:
            out.append(f"{key}: model {_hex(a)} kernel {_hex(b)}")
    return out


def _hex(v):
    if isinstance(v, int) and not isinstance(v, bool):
        return hex(v)
    if isinstance(v, tuple):
        return "(" + ", ".join(_hex(x) for x in v) + ")"
    return repr(v)

