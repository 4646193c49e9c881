"""Owns the IDT the CPU really runs the Guest with: interrupts_and_traps.c copy_traps()/default_idt_entry().
Must not deliver anything: the guest machine asks `cpu_gate()` how the CPU treats an `int $n` or a fault.

The Host keeps the Guest's own IDT (Host.idt, from LHCALL_LOAD_IDT_ENTRY) and loads a different one
into the CPU: for most vectors a gate into the Switcher (which returns to the Host), and only for the
"direct" traps whose Guest gate is a trap gate (type 0xF) the Guest's own gate, so the CPU enters the
Guest's handler without leaving the Guest (system calls: M:004's exception).
"""

from __future__ import annotations

from dataclasses import dataclass

from .constants import (
    FIRST_EXTERNAL_VECTOR, GUEST_PL, IDT_ENTRIES, IDT_TYPE_TRAP_GATE, LGUEST_TRAP_ENTRY, SWITCHER_ADDR, SYSCALL_VECTOR,
)
from .frames import idt_address, idt_type
from .state import Host

LGUEST_CS = 10 * 8                    # asm/lguest.h: the Switcher's code segment
INTERRUPT_GATE_FLAGS = 0x8E00         # default_idt_entry(): a present interrupt gate, DPL 0
DPL_MASK = 0x6000
# The model has no Switcher text; its default_idt_entries[] are stand-in addresses in the Switcher page,
# one 16-byte stub per vector, so a gate into the Switcher is recognisable by its handler address.
SWITCHER_STUBS = tuple(SWITCHER_ADDR + 0x100 + 16 * i for i in range(IDT_ENTRIES))


def could_be_syscall(num: int) -> bool:
    """could_be_syscall(): SYSCALL_VECTOR (the module's syscall_vector parameter is not modelled)."""
    return num == SYSCALL_VECTOR


def direct_trap(num: int) -> bool:
    """direct_trap(): may the Guest's gate for `num` go straight into the CPU's IDT? Not for hardware
    interrupts (except the system call), and not for the traps the Host must see: #PF 14, #GP 13,
    #NM 7, #UD 6 (vmcall) and the hypercall trap 0x1F."""
    if num >= FIRST_EXTERNAL_VECTOR and not could_be_syscall(num):
        return False
    return num not in (14, 13, 7, 6, LGUEST_TRAP_ENTRY)


def default_idt_entry(trap: int, handler: int, base: tuple[int, int] | None) -> tuple[int, int]:
    """default_idt_entry(): a present interrupt gate into the Switcher; DPL GUEST_PL for the hypercall
    trap, else the DPL of the Guest's own entry `base` (so `int $n` from ring 1 faults unless the
    Guest's gate allows it), else 0."""
    flags = INTERRUPT_GATE_FLAGS
    if trap == LGUEST_TRAP_ENTRY:
        flags |= GUEST_PL << 13
    elif base is not None:
        flags |= base[1] & DPL_MASK
    return (LGUEST_CS << 16) | (handler & 0x0000FFFF), (handler & 0xFFFF0000) | flags


def real_idt(host: Host, default_handlers: tuple[int, ...] = SWITCHER_STUBS) -> dict[int, tuple[int, int]]:
    """setup_default_idt_entries() then copy_traps(): the 256 gates the CPU runs the Guest with."""
    return {i: _entry(host, i, default_handlers[i]) for i in range(IDT_ENTRIES)}


def _entry(host: Host, i: int, handler: int) -> tuple[int, int]:
    if not direct_trap(i):                      # copy_traps() leaves the Host's default alone
        return default_idt_entry(i, handler, None)
    gidt = host.idt.get(i, (0, 0))
    # Only trap gates go direct: an interrupt gate would clear the real IF, which the Guest never may.
    if idt_type(*gidt) == IDT_TYPE_TRAP_GATE:
        return gidt
    return default_idt_entry(i, handler, gidt)


@dataclass(frozen=True)
class CpuGate:
    """How the CPU's IDT treats vector `vector` while the Guest runs."""

    vector: int
    lo: int
    hi: int
    direct: bool           # the Guest's own trap gate: the CPU enters the Guest handler itself
    dpl: int               # an `int $n` from a ring above this raises #GP(n*8+2) instead

    @property
    def handler(self) -> int:
        return idt_address(self.lo, self.hi)


def cpu_gate(host: Host, vector: int) -> CpuGate:
    lo, hi = _entry(host, vector, SWITCHER_STUBS[vector])
    return CpuGate(vector, lo, hi, direct=(lo >> 16) != LGUEST_CS, dpl=(hi >> 13) & 3)
