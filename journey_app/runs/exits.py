"""What happens when the guest CPU stops for the Host: hypercall traps, vmcall rewrites, faults.
Owns the hand-over to journey_app.host (lguest_arch_handle_trap, then run_guest's loop); must not run code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..guest.faults import explain_exit
from ..guest.machine import Exit
from ..host import handle_trap, host_loop_after_exit
from ..host.constants import KVM_HYPERCALL, LGUEST_TRAP_ENTRY
from ..toolchain.disasm import Insn

if TYPE_CHECKING:
    from .runner import Runner


def handle_exit(runner: Runner, exit: Exit) -> str | None:
    """Give a trap or fault to the Host, then run the rest of run_guest()'s pass (hypercalls, then
    interrupt_pending/try_deliver_interrupt), as the kernel does after every exit. Returns "hypercall",
    "host" (the Host looked) or None (the guest did not exit to the Host)."""
    m, host = runner.m, runner.host
    if exit.kind in ("count", "stop"):
        runner.settle()
        return None
    runner.sync_clock()
    eip, cs = m.eip, m.regs["cs"]
    if exit.kind == "trap" and exit.vector == LGUEST_TRAP_ENTRY:
        runner.emit("trap", {"vector": exit.vector, "name": "int $0x1f (LGUEST_TRAP_ENTRY)",
                             "message": f"int $0x1f: the Guest traps into the Host with a hypercall (eax = "
                                        f"{m.regs['eax']}); EIP is already past the int, at {eip:#x}",
                             "chapters": ["G:020", "H:050"]})
        runner.emit_host(handle_trap(host, m, LGUEST_TRAP_ENTRY), eip)
        runner.emit_host(host_loop_after_exit(host, m, hcall_pending=True), eip)
        runner.settle()
        return "hypercall"
    if exit.kind == "trap" and exit.vector == 6 and (cs & 3) == host.guest_pl and runner.peek(eip, 3) == KVM_HYPERCALL:
        runner.emit("trap", {"vector": 6, "name": "#UD invalid opcode",
                             "message": f"vmcall (0f 01 c1) at {eip:#x}: a CPU without VT cannot run it and raises "
                                        "#UD, trap 6, which is what the Host sees", "chapters": ["G:020", "H:050"]})
        runner.emit_host(handle_trap(host, m, 6), eip)
    else:
        insn = trapping_insn(runner, exit, eip)
        report = explain_exit(exit, eip, insn.mnemonic if insn else None)
        runner.emit("fault", report.to_json())
        if report.trap is None:
            runner.status, runner.reason = "fault", report.explanation
            return "host"
        runner.emit_host(handle_trap(host, m, report.trap, report.errcode, report.cr2), eip)
    if host.dead is None:
        eip = m.eip                          # where the Host found the Guest (a reflected trap moves it)
        runner.emit_host(host_loop_after_exit(host, m, hcall_pending=False), eip)
    runner.settle()
    return "host"


def trapping_insn(runner: Runner, exit: Exit, eip: int) -> Insn | None:
    """A software interrupt leaves EIP past the `int`; an exception leaves it at the instruction."""
    if exit.kind == "trap" and exit.vector is not None:
        if runner.peek(eip - 2, 2) == bytes([0xCD, exit.vector]) or (
                exit.vector == 3 and runner.peek(eip - 1, 1) == b"\xcc"):
            return Insn(eip - 2, 2, runner.peek(eip - 2, 2), "int", f"${exit.vector:#x}")
    return runner.decode(eip)
