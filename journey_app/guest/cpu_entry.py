"""What the x86 CPU itself does with an interrupt gate it may use without the Host: push the frame and
enter the handler. Owns the frame layout and the ring change through the TSS stack; must not decide
which gates are direct (host/idt.py does) or call the Host.

Unicorn reports every `int`/exception to a hook instead of walking an IDT, so the machine does the
CPU's part here for the gates copy_traps() put in the real IDT (the Guest's own trap gates).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..host.guest_view import GuestMemoryFault
from .machine import Machine

EFLAGS_CLEARED_ON_ENTRY = (1 << 8) | (1 << 14) | (1 << 16)    # TF, NT, RF: cleared by any gate; a trap
# gate leaves IF alone (an interrupt gate would clear it, which is why lguest never lets one go direct).


@dataclass(frozen=True)
class CpuFrame:
    words: tuple[tuple[str, int, int], ...]     # (label, address, value) in push order
    ring_change: bool
    new_esp: int
    handler: int
    cs: int

    def to_json(self) -> dict:
        return {"words": [{"label": label, "address": address, "value": value} for label, address, value in self.words],
                "ring_change": self.ring_change, "new_esp": self.new_esp, "handler": self.handler, "cs": self.cs}


def enter_trap_gate(machine: Machine, selector: int, handler: int, return_eip: int, errcode: int | None,
                    tss_ss1: int, tss_esp1: int) -> CpuFrame:
    """Deliver through a trap gate to `selector:handler` (DPL of the target code segment = its RPL).

    From a less privileged ring the CPU switches to the TSS stack for the target ring (the Host keeps the
    Guest's LHCALL_SET_STACK values there: guest_tss.ss1/sp1) and saves the old ss and esp first.
    Raises GuestMemoryFault when the stack is not mapped (a real CPU would fault again)."""
    regs = machine.regs
    old = regs.snapshot()
    ring_change = (old["cs"] & 3) != (selector & 3)
    esp, ss = (tss_esp1, tss_ss1) if ring_change else (old["esp"], old["ss"])
    words: list[tuple[str, int, int]] = []
    pushes = ([("ss", old["ss"]), ("esp", old["esp"])] if ring_change else []) + [
        ("eflags", old["eflags"]), ("cs", old["cs"]), ("eip", return_eip)]
    if errcode is not None:
        pushes.append(("errcode", errcode))
    for label, value in pushes:
        esp = (esp - 4) & 0xFFFFFFFF
        machine.write(esp, (value & 0xFFFFFFFF).to_bytes(4, "little"))
        words.append((label, esp, value & 0xFFFFFFFF))
    regs["ss"] = ss
    regs["cs"] = selector
    regs["esp"] = esp
    regs["eip"] = handler
    regs["eflags"] = old["eflags"] & ~EFLAGS_CLEARED_ON_ENTRY
    return CpuFrame(tuple(words), ring_change, esp, handler, selector)


__all__ = ["CpuFrame", "GuestMemoryFault", "enter_trap_gate"]
