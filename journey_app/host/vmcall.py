"""Owns trap 6 on vmcall: x86/core.c is_hypercall()/rewrite_hypercall() to `int $0x1f; nop`.
Must not perform the hypercall: the Guest re-executes the site, traps 0x1F, and hypercalls.py runs it.
"""

from __future__ import annotations

from .constants import KVM_HYPERCALL, REWRITTEN_HYPERCALL
from .events import HostEvent, RewriteEvent, TrapEvent
from .frames import deliver_trap
from .guest_view import U32, GuestView, guest_pa, reg
from .kformat import hash_lx, li
from .state import Host
from .trace import Trace

CHAPTERS = ("G:020", "H:050")


def _code_pa(trace: Trace, eip: int) -> int:
    pa = guest_pa(trace.host.mem_size, eip)
    if pa is None:                                   # guest_pa() kills and returns -1UL
        trace.kill(f"Bad address {hash_lx(eip)}")
        return U32
    return pa


def is_hypercall(trace: Trace, guest: GuestView) -> bool:
    """is_hypercall(): the Guest kernel (RPL == host.guest_pl; 1 on real lguest, see Host.guest_pl)
    trapped on the three bytes 0f 01 c1."""
    if (reg(guest, "cs") & 3) != trace.host.guest_pl:
        return False
    return trace.lgread(guest, _code_pa(trace, reg(guest, "eip")), 3, "code") == KVM_HYPERCALL


def rewrite_hypercall(trace: Trace, guest: GuestView) -> RewriteEvent:
    """rewrite_hypercall(): patch the site to `int $0x1f; nop` and resume WITHOUT advancing eip, so the
    Guest re-executes it as a hypercall trap (eip then points at the nop). The kernel also drops every
    shadow page table here; the model has none."""
    eip = reg(guest, "eip")
    pa = _code_pa(trace, eip)
    old = trace.lgread(guest, pa, 3, "code")
    trace.lgwrite(guest, pa, REWRITTEN_HYPERCALL, "code", vaddr=eip)
    new = REWRITTEN_HYPERCALL.hex()
    return RewriteEvent(eip, old.hex(), new,
                        f"vmcall at {eip:#x} rewritten to int $0x1f; nop ({old.hex()} → {new}); "
                        "the Guest resumes at the same address and traps into the Host as a hypercall",
                        CHAPTERS, tuple(trace.writes))


def reflect_or_kill(trace: Trace, guest: GuestView, trapnum: int, errcode: int = 0,
                    fault_addr: int | None = None) -> list[HostEvent]:
    """The end of lguest_arch_handle_trap(): deliver_trap() into the Guest, or kill it."""
    eip = reg(guest, "eip")
    frame = deliver_trap(trace, guest, trapnum, errcode)
    if frame is None:
        trace.kill(f"unhandled trap {li(trapnum)} at {hash_lx(eip)} "
                   f"({hash_lx(fault_addr if fault_addr is not None else errcode)})")
        ev = TrapEvent(trapnum, "unhandled", f"trap {trapnum} at {eip:#x}: the Guest has no present IDT entry "
                       "for it, so the Host kills the Guest", ("H:050",), None, tuple(trace.writes))
    else:
        ev = TrapEvent(trapnum, "reflected", f"trap {trapnum} at {eip:#x} reflected to the Guest's handler at "
                       f"{frame.handler:#x}", ("H:050", "H:210"), frame.to_json(), tuple(trace.writes))
    return [ev, *trace.kills]


def handle_trap6(host: Host, guest: GuestView) -> list[HostEvent]:
    """Trap 6 (#UD): vmcall from the Guest kernel is rewritten; anything else is reflected or fatal."""
    trace = Trace(host)
    if is_hypercall(trace, guest):
        return [rewrite_hypercall(trace, guest), *trace.kills]
    return reflect_or_kill(trace, guest, 6)
