"""Owns x86/core.c emulate_insn(): the Host's stand-in for port I/O the ring-1 Guest may not do.
Must not decide when it runs: traps.py calls it for a #GP with error code 0.

At ring 1 with IOPL 0 every in/out raises #GP(0). The Host decodes the four opcode pairs it knows
(with an optional 0x66 prefix), pretends there is no device ("in" reads all ones) and steps over the
instruction; anything else is not emulated and the #GP goes on to the vmcall check.
"""

from __future__ import annotations

from dataclasses import dataclass

from .guest_view import U32, GuestView, guest_pa, reg
from .kformat import hash_lx
from .trace import Trace

OPERAND_PREFIX = 0x66
# insn & 0xFE → (extra length, is "in"): in imm8 / in (%dx) / out imm8 / out (%dx).
OPCODES = {0xE4: (2, True), 0xEC: (1, True), 0xE6: (2, False), 0xEE: (1, False)}


@dataclass(frozen=True)
class Emulated:
    address: int
    length: int
    direction: str          # "in" | "out"
    eax_before: int
    eax_after: int

    def to_json(self) -> dict:
        return {"address": self.address, "length": self.length, "direction": self.direction,
                "eax_before": self.eax_before, "eax_after": self.eax_after}


def emulate_insn(trace: Trace, guest: GuestView) -> Emulated | None:
    """emulate_insn(): None when the Guest kernel did not trap on an in/out (or it was user mode)."""
    eip = reg(guest, "eip")
    physaddr = guest_pa(trace.host.mem_size, eip)
    if physaddr is None:                          # guest_pa() kills and returns -1UL; the checks go on
        trace.kill(f"Bad address {hash_lx(eip)}")
        physaddr = U32
    if (reg(guest, "cs") & 3) != trace.host.guest_pl:
        return None
    insnlen, shift = 0, 0
    insn = trace.lgread(guest, physaddr, 1, "code")[0]
    if insn == OPERAND_PREFIX:
        shift, insnlen = 16, 1
        insn = trace.lgread(guest, (physaddr + insnlen) & U32, 1, "code")[0]
    if insn & 0xFE not in OPCODES:
        return None
    extra, is_in = OPCODES[insn & 0xFE]
    insnlen += extra
    eax = reg(guest, "eax")
    new = eax
    if is_in:
        # Every port reads as "nothing there": all ones (the low bit picks the 32-bit form; with the
        # prefix the 16-bit form sets the upper half, as the kernel's shift does).
        new = U32 if insn & 1 else (eax | (0xFFFF << shift)) & U32
        guest.regs["eax"] = new
    guest.regs["eip"] = (eip + insnlen) & U32
    return Emulated(eip, insnlen, "in" if is_in else "out", eax, new)
