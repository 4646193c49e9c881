"""Owns x86/core.c lguest_arch_handle_trap(): which traps are hypercalls, rewrites, reflections or fatal.
Must not run the hypercall itself (loop.host_loop_after_exit does) and does not model shadow paging.
"""

from __future__ import annotations

from .constants import LGUEST_TRAP_ENTRY, SYSCALL_VECTOR
from .events import HostEvent, TrapEvent
from .guest_view import GuestMemoryFault, GuestView
from .lguest_data import LguestData
from .state import Host
from .trace import Trace
from .vmcall import is_hypercall, reflect_or_kill, rewrite_hypercall


def handle_trap(host: Host, guest: GuestView, trapnum: int, errcode: int = 0, cr2: int = 0) -> list[HostEvent]:
    """lguest_arch_handle_trap() for the trap the guest machine just reported.

    * 0x1F: the hypercall trap; sets host.hcall_pending (cpu->hcall = regs) and returns no event.
    * 13 (errcode 0) and 6: a vmcall is rewritten (in/out emulation for 13 is not modelled).
    * 14: demand paging is not modelled (the guest machine maps all it can), so cr2 is written to
      lguest_data and the fault reflected.
    * 7: ignored unless the Guest set TS.
    * 32..255: on real hardware these are Host interrupts; the system-call vector 0x80 goes straight to
      the Guest through its IDT gate, so the model reflects that one.
    * anything else: deliver_trap(), or kill "unhandled trap %li at %#lx (%#lx)".
    """
    trace = Trace(host)
    if trapnum == LGUEST_TRAP_ENTRY:
        host.hcall_pending = True
        return []
    if trapnum in (6, 13) and (trapnum == 6 or errcode == 0):
        if is_hypercall(trace, guest):
            return [rewrite_hypercall(trace, guest), *trace.kills]
    elif trapnum == 14:
        if host.lguest_data_addr is not None:
            try:
                LguestData(guest, host.lguest_data_addr, trace).write("cr2", cr2 & 0xFFFFFFFF)
            except GuestMemoryFault:
                trace.kill("Writing cr2")
        return reflect_or_kill(trace, guest, 14, errcode, fault_addr=cr2)
    elif trapnum == 7 and not host.ts:
        return [TrapEvent(7, "ignored", "device-not-available with TS clear: nothing to do", ("H:050",))]
    elif 32 <= trapnum <= 255 and trapnum != SYSCALL_VECTOR:
        return [TrapEvent(trapnum, "handled", f"vector {trapnum:#x} is a Host interrupt; the Host just "
                          "reschedules", ("H:050",))]
    return reflect_or_kill(trace, guest, trapnum, errcode)
