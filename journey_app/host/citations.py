"""Where the Host model's behaviour comes from: the kernel file, function and lines (Linux 2.6.31, as in
content/kernels/2.6.31/) behind every decide() rule, every hypercall and every kill message.

Data only, kept apart from the rule code it annotates; tests/host/test_citations.py checks each entry
against the content (the lines exist, lie inside the named function per Universal Ctags, and belong to
the named chapter). The web layer turns a citation into a link to its chapter with the lines marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION = "2.6.31"

_IRQ = "drivers/lguest/interrupts_and_traps.c"
_HCALLS = "drivers/lguest/hypercalls.c"
_X86 = "drivers/lguest/x86/core.c"
_PAGES = "drivers/lguest/page_tables.c"
_SEGMENTS = "drivers/lguest/segments.c"
_CORE = "drivers/lguest/core.c"


@dataclass(frozen=True)
class Citation:
    file: str
    function: str
    first: int  # 1-based, inclusive
    last: int
    chapter: str | None  # the Journey chapter holding these lines

    def to_json(self) -> dict:
        return {"file": self.file, "function": self.function, "first": self.first, "last": self.last,
                "chapter": self.chapter}


def _c(file: str, function: str, first: int, last: int, chapter: str | None) -> Citation:
    return Citation(file, function, first, last, chapter)


# decide() (interrupts.py): interrupt_pending() then try_deliver_interrupt(), one entry per rule name.
RULES: dict[str, Citation] = {
    "no_lguest_data": _c(_IRQ, "interrupt_pending", 162, 164, "H:205"),
    "blocked_unreadable": _c(_IRQ, "interrupt_pending", 166, 172, "H:205"),
    "nothing_pending": _c(_IRQ, "interrupt_pending", 173, 179, "H:205"),
    # irqs_pending AND NOT blocked_interrupts is empty although irqs_pending is not.
    "blocked": _c(_IRQ, "interrupt_pending", 166, 179, "H:205"),
    "noirq_window": _c(_IRQ, "try_deliver_interrupt", 192, 198, "H:205"),
    "halted_wake": _c(_IRQ, "try_deliver_interrupt", 200, 205, "H:205"),
    "irqs_disabled": _c(_IRQ, "try_deliver_interrupt", 206, 215, "H:205"),
    "idt_not_present": _c(_IRQ, "try_deliver_interrupt", 224, 226, "H:205"),
    "deliver": _c(_IRQ, "try_deliver_interrupt", 224, 251, "H:205"),
    # vmcall.py: the #UD of a vmcall on a CPU without VT, patched to `int $0x1f`.
    "rewrite": _c(_X86, "rewrite_hypercall", 370, 387, "H:130"),
}

# hypercalls.py: do_hcall()'s switch (lguest_arch_do_hcall() for the x86 ones); LGUEST_INIT goes to
# initialize() instead, before anything else may be called.
HYPERCALLS: dict[str, Citation] = {
    "LHCALL_FLUSH_ASYNC": _c(_HCALLS, "do_hcall", 40, 45, "H:120"),
    "LHCALL_LGUEST_INIT": _c(_HCALLS, "initialize", 201, 239, "H:124"),
    "LHCALL_SHUTDOWN": _c(_HCALLS, "do_hcall", 59, 74, "H:120"),
    "LHCALL_NEW_PGTABLE": _c(_HCALLS, "do_hcall", 87, 89, "H:120"),
    "LHCALL_FLUSH_TLB": _c(_HCALLS, "do_hcall", 75, 86, "H:120"),
    "LHCALL_LOAD_IDT_ENTRY": _c(_X86, "lguest_arch_do_hcall", 678, 680, "H:122"),
    "LHCALL_SET_STACK": _c(_HCALLS, "do_hcall", 90, 92, "H:120"),
    "LHCALL_TS": _c(_HCALLS, "do_hcall", 112, 115, "H:120"),
    "LHCALL_SET_CLOCKEVENT": _c(_HCALLS, "do_hcall", 109, 111, "H:120"),
    "LHCALL_HALT": _c(_HCALLS, "do_hcall", 116, 119, "H:120"),
    "LHCALL_SET_PMD": _c(_HCALLS, "do_hcall", 104, 108, "H:120"),
    "LHCALL_SET_PTE": _c(_HCALLS, "do_hcall", 93, 100, "H:120"),
    "LHCALL_SET_PGD": _c(_HCALLS, "do_hcall", 101, 103, "H:120"),
    "LHCALL_LOAD_TLS": _c(_X86, "lguest_arch_do_hcall", 681, 683, "H:122"),
    "LHCALL_NOTIFY": _c(_HCALLS, "do_hcall", 120, 122, "H:120"),
    "LHCALL_LOAD_GDT_ENTRY": _c(_X86, "lguest_arch_do_hcall", 675, 677, "H:122"),
    "LHCALL_SEND_INTERRUPTS": _c(_HCALLS, "do_hcall", 46, 51, "H:120"),
    # Any other number: the switch's default.
    "unknown": _c(_HCALLS, "do_hcall", 123, 127, "H:120"),
}

# kill_guest() calls, keyed by the kernel's own format string (kformat.py prints them the same way).
KILLS: dict[str, Citation] = {
    "already have lguest_data": _c(_HCALLS, "do_hcall", 56, 57, "H:120"),
    "CRASH: %s": _c(_HCALLS, "do_hcall", 59, 74, "H:120"),
    "Bad hypercall %li\n": _c(_HCALLS, "do_hcall", 123, 127, "H:120"),
    "Fetching async hypercalls": _c(_HCALLS, "do_async_hcalls", 172, 176, "H:124"),
    "Writing result for async hypercall": _c(_HCALLS, "do_async_hcalls", 182, 185, "H:124"),
    "hypercall %li before INIT": _c(_HCALLS, "initialize", 205, 209, "H:124"),
    "bad guest page %p": _c(_HCALLS, "initialize", 211, 222, "H:124"),
    "Writing timestamp": _c(_HCALLS, "write_timestamp", 305, 312, "H:100"),
    "Disabling interrupts": _c(_IRQ, "set_guest_interrupt", 140, 147, "H:210"),
    "Re-enabling interrupts": _c(_IRQ, "try_deliver_interrupt", 200, 205, "H:205"),
    "bad stack segment %i": _c(_IRQ, "guest_set_stack", 443, 445, "H:260"),
    "bad stack pages %u": _c(_IRQ, "guest_set_stack", 446, 448, "H:260"),
    "bad IDT type %i": _c(_IRQ, "set_trap", 477, 479, "H:235"),
    "Setting idt entry %u": _c(_IRQ, "load_guest_idt_entry", 514, 517, "H:230"),
    "bad stack page %#lx": _c(_PAGES, "pin_page", 511, 515, "H:360"),
    "Bad address %#lx": _c(_PAGES, "guest_pa", 607, 634, None),
    "bad kernel address %#lx": _c(_PAGES, "page_table_guest_data_init", 1105, 1117, "H:508"),
    "too many gdt entries %i": _c(_SEGMENTS, "load_guest_gdt_entry", 181, 184, "H:620"),
    "bad read address %#lx len %u": _c(_CORE, "__lgread", 184, 189, "H:032"),
    "bad write address %#lx len %u": _c(_CORE, "__lgwrite", 196, 198, "H:032"),
    "unhandled trap %li at %#lx (%#lx)": _c(_X86, "lguest_arch_handle_trap", 491, 500, "H:050"),
    "Writing cr2": _c(_X86, "lguest_arch_handle_trap", 459, 462, "H:050"),
    "bad syscall vector": _c(_X86, "lguest_arch_init_hypercalls", 729, 731, "H:126"),
}

_CONVERSION = re.compile(r"%#?l?[iuxsp]")


def _pattern(fmt: str) -> re.Pattern:
    parts = _CONVERSION.split(fmt)
    return re.compile("^" + ".+?".join(re.escape(p) for p in parts) + "$", re.DOTALL)


_KILL_PATTERNS = [(_pattern(fmt), fmt) for fmt in KILLS]


def for_rule(rule: str) -> Citation | None:
    return RULES.get(rule)


def for_hypercall(name: str | None) -> Citation:
    return HYPERCALLS.get(name or "", HYPERCALLS["unknown"])


def kill_format(reason: str) -> str | None:
    """The kernel format string a kill message was printed from ("Setting idt entry 300" → "... %u")."""
    for pattern, fmt in _KILL_PATTERNS:
        if pattern.match(reason):
            return fmt
    return None


def for_kill(reason: str) -> Citation | None:
    fmt = kill_format(reason)
    return KILLS[fmt] if fmt is not None else None
