"""Owns the IDT/GDT/TLS/stack hypercalls: interrupts_and_traps.c set_trap/guest_set_stack, segments.c.
Must not dispatch hypercalls (hypercalls.py) or deliver anything through the tables.
"""

from __future__ import annotations

from .constants import (
    GDT_ENTRIES, GDT_ENTRY_TLS_ENTRIES, GDT_ENTRY_TLS_MIN, GUEST_KERNEL_CS, GUEST_PL, IDT_ENTRIES, IDT_HI_MASK,
    IDT_TYPE_INTERRUPT_GATE, IDT_TYPE_TRAP_GATE, IGNORED_GDT_ENTRIES, IGNORED_IDT_VECTORS, MAX_STACK_PAGES, PAGE_SIZE,
)
from .frames import idt_address, idt_present, idt_type
from .guest_view import GuestView, guest_pa
from .kformat import hash_lx, li, u
from .trace import Trace

_RESERVED = {2: "NMI", 8: "double fault", 15: "reserved", 0x1F: "the hypercall trap (LGUEST_TRAP_ENTRY)"}


def load_guest_idt_entry(trace: Trace, num: int, lo: int, hi: int) -> str:
    """load_guest_idt_entry(): ignore the four vectors the Host keeps, refuse >= 256, else set_trap()."""
    if num in IGNORED_IDT_VECTORS:
        return f"ignored: vector {num:#x} is {_RESERVED[num]}, which the Guest may not set"
    if num >= IDT_ENTRIES:
        trace.kill(f"Setting idt entry {u(num)}")
        return f"refused: vector {num} is beyond the IDT"
    return set_trap(trace, num, lo, hi)


def set_trap(trace: Trace, num: int, lo: int, hi: int) -> str:
    """set_trap(): a non-present entry is stored as zeros; otherwise only interrupt (0xE) and trap (0xF)
    gates are allowed, the selector becomes __KERNEL_CS|GUEST_PL and hi loses bit 12 and its low byte."""
    idt = trace.host.idt
    if not idt_present(lo, hi):
        idt[num] = (0, 0)
        return f"vector {num:#x}: entry not present, stored as empty"
    kind = idt_type(lo, hi)
    if kind not in (IDT_TYPE_INTERRUPT_GATE, IDT_TYPE_TRAP_GATE):
        trace.kill(f"bad IDT type {li(kind)}")     # kill_guest() returns; the entry is still stored
    stored = ((GUEST_KERNEL_CS << 16) | (lo & 0x0000FFFF), hi & IDT_HI_MASK)
    idt[num] = stored
    gate = {IDT_TYPE_INTERRUPT_GATE: "interrupt gate", IDT_TYPE_TRAP_GATE: "trap gate"}.get(kind, f"type {kind:#x}")
    return (f"vector {num:#x}: {gate} to {idt_address(*stored):#x}, stored as lo {stored[0]:#010x} "
            f"hi {stored[1]:#010x}")


def guest_set_stack(trace: Trace, seg: int, esp: int, pages: int) -> str:
    """guest_set_stack(): the stack interrupts from user mode land on (the TSS ss1/esp1 of the Guest)."""
    host = trace.host
    if (seg & 3) != GUEST_PL:
        trace.kill(f"bad stack segment {li(seg)}")
    if pages > MAX_STACK_PAGES:
        trace.kill(f"bad stack pages {u(pages)}")
    host.ss1, host.esp1, host.stack_pages = seg & 0xFFFF, esp, pages     # cpu->ss1 is a u16
    # pin_stack_pages(): every stack page must be mapped now, so a fault can never hit it later. The
    # kernel pins all `pages` (after a "bad stack pages" kill the rest changes nothing), the first
    # failure is the one kept.
    for i in range(pages):
        if host.dead is not None:
            break
        vaddr = (esp - 1 - i * PAGE_SIZE) & 0xFFFFFFFF
        if guest_pa(host.mem_size, vaddr) is None:
            trace.kill(f"bad stack page {hash_lx(vaddr)}")
    return f"kernel stack for interrupts from user mode: ss {seg:#x}, esp {esp:#x}, {pages} page(s)"


def _fixup(num: int, lo: int, hi: int) -> tuple[int, int]:
    """segments.c fixup_gdt_table(): DPL 0 becomes GUEST_PL, and the accessed bit is preset."""
    if num in IGNORED_GDT_ENTRIES:
        return lo, hi
    if hi & 0x00006000 == 0:
        hi |= GUEST_PL << 13
    return lo, hi | 0x00000100


def load_guest_gdt_entry(trace: Trace, num: int, lo: int, hi: int) -> str:
    """load_guest_gdt_entry()."""
    if num >= GDT_ENTRIES:
        trace.kill(f"too many gdt entries {li(num)}")
        # 2.6.31 kills but does not return: the store to cpu->arch.gdt[num] still happens, and in
        # struct lg_cpu_arch the IDT follows the GDT, so entries 32..287 land in the Host's copy of
        # the Guest's IDT (found by the differential test; later kernels return after the kill).
        if num < GDT_ENTRIES + IDT_ENTRIES:
            lo2, hi2 = _fixup(num, lo, hi)
            trace.host.idt[num - GDT_ENTRIES] = (lo2, hi2)
            return (f"refused: GDT entry {num} is beyond the {GDT_ENTRIES}-entry GDT, but the store still lands "
                    f"in the Host's copy of IDT entry {num - GDT_ENTRIES:#x}")
        return f"refused: GDT entry {num} is beyond the {GDT_ENTRIES}-entry GDT"
    trace.host.gdt[num] = _fixup(num, lo, hi)
    lo2, hi2 = trace.host.gdt[num]
    return f"GDT entry {num} = lo {lo2:#010x} hi {hi2:#010x}"


def guest_load_tls(trace: Trace, guest: GuestView, gtls: int) -> str:
    """guest_load_tls(): copy the three TLS descriptors from guest-physical `gtls` into the GDT."""
    data = trace.lgread(guest, gtls, 8 * GDT_ENTRY_TLS_ENTRIES, "tls")
    for i in range(GDT_ENTRY_TLS_ENTRIES):
        lo = int.from_bytes(data[8 * i:8 * i + 4], "little")
        hi = int.from_bytes(data[8 * i + 4:8 * i + 8], "little")
        trace.host.gdt[GDT_ENTRY_TLS_MIN + i] = _fixup(GDT_ENTRY_TLS_MIN + i, lo, hi)
    last = GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_ENTRIES - 1
    return f"TLS descriptors from guest-physical {gtls:#x} loaded into GDT entries {GDT_ENTRY_TLS_MIN}..{last}"
