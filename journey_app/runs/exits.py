"""What happens when the guest CPU stops for the Host: hypercall traps, vmcall rewrites, faults.
Owns the hand-over to journey_app.host (lguest_arch_handle_trap, then run_guest's loop) and what the
CPU's IDT does first (host/idt.py cpu_gate: #GP for a gate the ring may not use, direct trap gates);
must not run code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..guest.cpu_entry import GuestMemoryFault, enter_trap_gate
from ..guest.faults import TRAP_NAMES, explain_exit
from ..guest.machine import Exit
from ..host import handle_trap, host_loop_after_exit
from ..host.constants import KVM_HYPERCALL, LGUEST_TRAP_ENTRY, TRAPS_WITH_ERRCODE
from ..host.idt import cpu_gate
from ..toolchain.disasm import Insn

if TYPE_CHECKING:
    from .runner import Runner

SOFTWARE_INT_LENGTH = {0xCD: 2, 0xCC: 1, 0xCE: 1}      # int $n, int3, into


def handle_exit(runner: Runner, exit: Exit) -> str | None:
    """Give a trap or fault to the Host, then run the rest of run_guest()'s pass (hypercalls, then
    interrupt_pending/try_deliver_interrupt), as the kernel does after every exit. Returns "hypercall",
    "host" (the Host looked) or None (the guest did not exit to the Host)."""
    m, host = runner.m, runner.host
    if exit.kind in ("count", "stop"):
        runner.settle()
        return None
    eip, cs = m.eip, m.regs["cs"]
    soft = software_interrupt(runner, exit, eip)
    if soft is not None or (exit.kind == "trap" and exit.vector not in (6, 7, 13, 14, LGUEST_TRAP_ENTRY)):
        entered = through_cpu_idt(runner, exit, soft)
        if entered is not None:
            return None if entered == "cpu" else entered
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
    return after_host_trap(runner)


def after_host_trap(runner: Runner) -> str:
    host, m = runner.host, runner.m
    if host.dead is None:
        eip = m.eip                          # where the Host found the Guest (a reflected trap moves it)
        runner.emit_host(host_loop_after_exit(host, m, hcall_pending=False), eip)
    runner.settle()
    return "host"


def software_interrupt(runner: Runner, exit: Exit, eip: int) -> tuple[int, int] | None:
    """(vector, address of the instruction) when the trap was raised by `int $n`, `int3` or `into`
    (Unicorn leaves EIP past them); None for an exception."""
    if exit.kind != "trap" or exit.vector is None:
        return None
    if runner.peek(eip - 2, 2) == bytes([0xCD, exit.vector]):
        return exit.vector, eip - 2
    if (exit.vector, runner.peek(eip - 1, 1)) in ((3, b"\xcc"), (4, b"\xce")):
        return exit.vector, eip - 1
    return None


def through_cpu_idt(runner: Runner, exit: Exit, soft: tuple[int, int] | None) -> str | None:
    """The CPU's IDT, as the Host loaded it (copy_traps), decides before the Host sees anything:

    * a software interrupt through a gate whose DPL is below the ring raises #GP(vector*8+2) at the
      `int` (default_idt_entry() copies the Guest's DPL, and the Guest's irq gates are DPL 0);
    * a gate the Guest installed as a trap gate for a direct trap (0x80, int3, #DE...) is entered by the
      CPU itself, with the real eflags (IF=1): the Host never sees it (M:004's exception);
    * anything else goes to the Host as that trap number (None here: handle_exit goes on).

    Returns "cpu" when the CPU entered the Guest's handler itself, "host" when the Host handled a #GP.
    """
    m, host = runner.m, runner.host
    vector = soft[0] if soft else exit.vector
    if vector is None:
        return None
    gate = cpu_gate(host, vector)
    cpl = m.regs["cs"] & 3
    if soft and cpl > gate.dpl:
        gp_code = (vector << 3) | 2                     # IDT bit set: the error code names the gate
        m.regs["eip"] = soft[1]                         # a fault: EIP stays on the int
        name = "int3" if runner.peek(soft[1], 1) == b"\xcc" else f"int ${vector:#x}"
        runner.emit("fault", {"trap": 13, "name": TRAP_NAMES[13], "errcode": gp_code, "cr2": 0,
                              "explanation": f"{name} at {soft[1]:#x} from ring {cpl}: the CPU's gate {vector:#x} has "
                                             f"DPL {gate.dpl} (default_idt_entry() copies the DPL of the Guest's own "
                                             f"entry), so the CPU raises #GP with error code {gp_code:#x} "
                                             f"({vector:#x}*8+2: the IDT bit) instead"})
        runner.emit_host(handle_trap(host, m, 13, gp_code), soft[1])
        return after_host_trap(runner)
    if not gate.direct:
        return None
    at = m.eip                  # the return address: past an int; at a faulting instruction
    errcode = None if soft or vector not in TRAPS_WITH_ERRCODE else (exit.errcode or 0)
    try:
        frame = enter_trap_gate(m, gate.lo >> 16, gate.handler, at, errcode, host.ss1, host.esp1)
    except GuestMemoryFault as fault:
        runner.status, runner.reason = "fault", f"the CPU could not push the frame for vector {vector:#x}: {fault}"
        return "host"
    what = f"int ${vector:#x}" if soft else TRAP_NAMES.get(vector, f"vector {vector:#x}")
    runner.emit("trap", {"vector": vector, "name": what, "outcome": "direct", "frame": frame.to_json(),
                         "message": f"{what} at {soft[1] if soft else at:#x}: the Guest's gate {vector:#x} is a trap "
                                    f"gate (DPL {gate.dpl}), so copy_traps() put it in the CPU's IDT and the CPU "
                                    f"entered {gate.handler:#x} itself, pushing the real eflags "
                                    f"({_eflags(frame):#x}, "
                                    "IF=1: the Guest never really disables interrupts); the Host never saw it "
                                    "(M:004's exception)",
                         "chapters": ["M:004", "H:050"]}, at)
    for label, address, value in frame.words:
        runner.labels[address] = (label, value)
    runner.settle()
    return "cpu"                                        # handled by the CPU: the Guest never exited


def _eflags(frame) -> int:
    return next(value for label, _, value in frame.words if label == "eflags")


def trapping_insn(runner: Runner, exit: Exit, eip: int) -> Insn | None:
    """A software interrupt leaves EIP past the `int`; an exception leaves it at the instruction."""
    if exit.kind == "trap" and exit.vector is not None:
        if runner.peek(eip - 2, 2) == bytes([0xCD, exit.vector]) or (
                exit.vector == 3 and runner.peek(eip - 1, 1) == b"\xcc"):
            return Insn(eip - 2, 2, runner.peek(eip - 2, 2), "int", f"${exit.vector:#x}")
    return runner.decode(eip)
