"""Owns x86/core.c lguest_arch_handle_trap(): which traps are hypercalls, rewrites, reflections or fatal.
Must not run the hypercall itself (loop.host_loop_after_exit does) and does not model shadow paging.
"""

from __future__ import annotations

from .constants import LGUEST_TRAP_ENTRY
from .emulate import emulate_insn
from .events import HostEvent, TrapEvent
from .guest_view import GuestMemoryFault, GuestView
from .lguest_data import LguestData
from .state import Host
from .trace import Trace
from .vmcall import is_hypercall, reflect_or_kill, rewrite_hypercall


def handle_trap(host: Host, guest: GuestView, trapnum: int, errcode: int = 0, cr2: int = 0) -> list[HostEvent]:
    """lguest_arch_handle_trap() for the trap the guest machine just reported, case by case:

    * 13: with error code 0, emulate_insn() (in/out); then, whatever the error code, it falls through
      to case 6 (a KVM Host turns vmcall into #GP).
    * 6: a vmcall from the Guest kernel is rewritten to `int $0x1f; nop`.
    * 14: demand paging is not modelled (the guest machine maps all it can), so cr2 is written to
      lguest_data and the fault reflected.
    * 7: ignored unless the Guest set TS.
    * 32..255: a real interrupt arrived while the Guest ran; the Host just reschedules. That includes
      0x80 when the Guest's gate for it is not a trap gate (a trap gate is entered by the CPU directly
      and never reaches the Host).
    * 0x1F: the hypercall trap; sets host.hcall_pending (cpu->hcall = regs) and returns no event.
    * anything else, and whatever the cases above did not handle: deliver_trap(), or kill
      "unhandled trap %li at %#lx (%#lx)".
    """
    trace = Trace(host)
    if trapnum == 13 and errcode == 0:
        done = emulate_insn(trace, guest)
        if done is not None:
            word = "in" if done.direction == "in" else "out"
            return [TrapEvent(13, "emulated", f"#GP on `{word}` at {done.address:#x}: port I/O needs IOPL >= CPL, so "
                              f"the Host emulates it (emulate_insn): " + (
                                  f"eax {done.eax_before:#x} → {done.eax_after:#x} (no device: all ones), "
                                  if done.direction == "in" else "the write goes nowhere, ") +
                              f"eip moves past the {done.length}-byte instruction", ("H:050",), None,
                              tuple(trace.writes)), *trace.kills]
    if trapnum in (6, 13):
        if is_hypercall(trace, guest):
            return [rewrite_hypercall(trace, guest), *trace.kills]
    elif trapnum == 14:
        if host.lguest_data_addr is not None:
            try:
                LguestData(guest, host.lguest_data_addr, trace).write("cr2", cr2 & 0xFFFFFFFF)
            except GuestMemoryFault:
                trace.kill("Writing cr2")
        return reflect_or_kill(trace, guest, 14, errcode, fault_addr=cr2)
    elif trapnum == 7:
        if not host.ts:
            return [TrapEvent(7, "ignored", "device-not-available with TS clear: nothing to do", ("H:050",))]
    elif 32 <= trapnum <= 255:
        return [TrapEvent(trapnum, "handled", f"vector {trapnum:#x} came to the Host as an interrupt; the Host "
                          "just reschedules (cond_resched) and runs the Guest again", ("H:050",))]
    elif trapnum == LGUEST_TRAP_ENTRY:
        host.hcall_pending = True
        return []
    return reflect_or_kill(trace, guest, trapnum, errcode)
