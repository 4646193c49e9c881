"""Owns interrupts_and_traps.c set_guest_interrupt()/push_guest_stack()/deliver_trap(): the pushed frame.
Must not decide whether an irq is delivered: interrupts.py does.
"""

from __future__ import annotations

from dataclasses import dataclass

from .constants import (
    GUEST_KERNEL_CS, IDT_ENTRIES, IDT_TYPE_INTERRUPT_GATE, IDT_TYPE_TRAP_GATE, TRAPS_WITH_ERRCODE, X86_EFLAGS_IF,
)
from .guest_view import U32, GuestMemoryFault, GuestView, guest_pa, reg
from .kformat import hash_lx
from .lguest_data import LguestData
from .trace import Trace


def idt_address(lo: int, hi: int) -> int:
    """interrupts_and_traps.c idt_address(): the handler's offset split across the two words."""
    return (lo & 0x0000FFFF) | (hi & 0xFFFF0000)


def idt_type(lo: int, hi: int) -> int:
    """idt_type(): 0xE interrupt gate, 0xF trap gate."""
    return (hi >> 8) & 0xF


def idt_present(lo: int, hi: int) -> bool:
    return bool(hi & 0x8000)


def gate_kind(lo: int, hi: int) -> str:
    """"interrupt" (0xE: delivery clears irq_enabled), "trap" (0xF), or "type 0xN" for anything else
    set_trap() stored after its "bad IDT type" kill: delivered like a trap gate, but it is not one."""
    kind = idt_type(lo, hi)
    return {IDT_TYPE_INTERRUPT_GATE: "interrupt", IDT_TYPE_TRAP_GATE: "trap"}.get(kind, f"type {kind:#x}")


@dataclass(frozen=True)
class FrameWord:
    label: str          # "ss", "esp", "eflags", "cs", "eip", "errcode"
    address: int        # guest-virtual stack address the word went to
    value: int

    def to_json(self) -> dict:
        return {"label": self.label, "address": self.address, "value": self.value}


@dataclass(frozen=True)
class Frame:
    words: tuple[FrameWord, ...]   # in push order (the last one is at the new esp)
    ring_change: bool              # the Guest was in user mode: frame went on the SET_STACK stack
    old_esp: int
    new_esp: int
    ss: int
    cs: int
    handler: int
    gate: str                      # gate_kind(): "interrupt" (clears irq_enabled), "trap" or "type 0xN"
    if_cleared: bool               # M:004: IF cleared in the pushed eflags because irq_enabled lacked 0x200
    irq_enabled: int | None        # the value that decided it (None if unreadable)

    def to_json(self) -> dict:
        return {"words": [w.to_json() for w in self.words], "ring_change": self.ring_change,
                "old_esp": self.old_esp, "new_esp": self.new_esp, "ss": self.ss, "cs": self.cs,
                "handler": self.handler, "gate": self.gate, "if_cleared": self.if_cleared,
                "irq_enabled": self.irq_enabled}


def set_guest_interrupt(trace: Trace, guest: GuestView, lo: int, hi: int,
                        has_err: bool = False, errcode: int = 0) -> Frame:
    """Push [ss, esp,] eflags, cs, eip[, errcode] and enter the handler at cs 0x61, like the kernel."""
    host = trace.host
    regs = guest.regs
    old_ss, old_esp = reg(guest, "ss"), reg(guest, "esp")
    # The Guest kernel runs at GUEST_PL; any other RPL means user mode, so switch to the stack the
    # Guest registered with LHCALL_SET_STACK and save the user ss/esp first (as the CPU would).
    ring_change = (old_ss & 3) != host.guest_pl
    virtstack, ss = (host.esp1, host.ss1) if ring_change else (old_esp, old_ss)
    origstack = guest_pa(host.mem_size, virtstack)
    if origstack is None:                       # guest_pa() kills and returns -1UL
        trace.kill(f"Bad address {hash_lx(virtstack)}")
        origstack = U32
    gstack = origstack
    words: list[FrameWord] = []

    def push(label: str, value: int) -> None:   # push_guest_stack()
        nonlocal gstack
        gstack = (gstack - 4) & U32
        vaddr = (virtstack + gstack - origstack) & U32
        trace.lgwrite(guest, gstack, (value & U32).to_bytes(4, "little"), "stack", vaddr=vaddr)
        words.append(FrameWord(label, vaddr, value & U32))

    if ring_change:
        push("ss", old_ss)
        push("esp", old_esp)
    # M:004: the Guest really runs with IF=1; its "virtual" IF lives in lguest_data.irq_enabled, so the
    # pushed copy of eflags gets IF from there. A failed read leaves eflags alone.
    eflags = reg(guest, "eflags")
    irq_enabled: int | None = None
    ld = LguestData(guest, host.lguest_data_addr, trace) if host.lguest_data_addr is not None else None
    if ld is not None:
        try:
            irq_enabled = ld.read("irq_enabled")
        except GuestMemoryFault:
            irq_enabled = None
    if_cleared = irq_enabled is not None and not (irq_enabled & X86_EFLAGS_IF) and bool(eflags & X86_EFLAGS_IF)
    if irq_enabled is not None and not (irq_enabled & X86_EFLAGS_IF):
        eflags &= ~X86_EFLAGS_IF
    push("eflags", eflags)
    push("cs", reg(guest, "cs"))
    push("eip", reg(guest, "eip"))
    if has_err:
        push("errcode", errcode)

    new_esp = (virtstack + gstack - origstack) & U32
    handler = idt_address(lo, hi)
    regs["ss"] = ss
    regs["esp"] = new_esp
    regs["cs"] = GUEST_KERNEL_CS
    regs["eip"] = handler
    gate = gate_kind(lo, hi)
    if gate == "interrupt":
        # An interrupt gate turns the Guest's virtual interrupts off on entry, as a real CPU clears IF.
        try:
            if ld is None:
                raise GuestMemoryFault(0)
            ld.write("irq_enabled", 0)
        except GuestMemoryFault:
            trace.kill("Disabling interrupts")
    return Frame(tuple(words), ring_change, old_esp, new_esp, ss, GUEST_KERNEL_CS, handler, gate,
                 if_cleared, irq_enabled)


def deliver_trap(trace: Trace, guest: GuestView, num: int, errcode: int = 0) -> Frame | None:
    """interrupts_and_traps.c deliver_trap(): reflect trap `num` through the Guest's IDT, if present.

    Returns None when the kernel's deliver_trap() returns false (no such or no present entry)."""
    if num >= IDT_ENTRIES:
        return None
    lo, hi = trace.host.idt.get(num, (0, 0))
    if not idt_present(lo, hi):
        return None
    return set_guest_interrupt(trace, guest, lo, hi, has_err=num in TRAPS_WITH_ERRCODE, errcode=errcode)
