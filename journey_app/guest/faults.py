"""Plain-English explanations of why the guest CPU stopped: exceptions, software interrupts, unmapped memory.
Owns wording and the trap number/error code the Host is told; must not decide what the Host does about it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .machine import Exit
from .memory import RAM_SIZE

TRAP_NAMES = {
    0: "#DE divide error", 1: "#DB debug", 3: "#BP breakpoint", 4: "#OF overflow", 5: "#BR bound range",
    6: "#UD invalid opcode", 7: "#NM device not available", 8: "#DF double fault", 10: "#TS invalid TSS",
    11: "#NP segment not present", 12: "#SS stack fault", 13: "#GP general protection", 14: "#PF page fault",
    16: "#MF x87 error", 17: "#AC alignment check", 0x1F: "LGUEST_TRAP_ENTRY (the hypercall trap)",
}
# Instructions a ring-1 Guest may not run: the reason lguest has paravirt ops for them.
PRIVILEGED = {
    "hlt": "hlt is privileged (ring 0 only); a Guest kernel at ring 1 halts with LHCALL_HALT instead",
    "cli": "cli needs IOPL >= CPL; at ring 1 with IOPL 0 it faults, which is why lguest's cli is a store "
           "of 0 to lguest_data.irq_enabled (G:055)",
    "sti": "sti needs IOPL >= CPL; lguest's irq_enable writes lguest_data.irq_enabled instead (G:033)",
    "popf": "popf cannot change IF at ring 1, so lguest's restore_fl writes lguest_data.irq_enabled (G:033)",
    "lgdt": "lgdt is privileged; the Guest loads GDT entries with LHCALL_LOAD_GDT_ENTRY",
    "lidt": "lidt is privileged; the Guest loads IDT entries with LHCALL_LOAD_IDT_ENTRY",
    "in": "port I/O needs IOPL >= CPL (the Guest has IOPL 0 and no I/O bitmap), so the CPU raises #GP(0) and "
          "the Host emulates the instruction (emulate_insn: every port reads all ones)",
    "out": "port I/O needs IOPL >= CPL, so the CPU raises #GP(0) and the Host emulates the instruction "
           "(emulate_insn: the write goes nowhere)",
}


@dataclass(frozen=True)
class FaultReport:
    trap: int | None          # what the Host's lguest_arch_handle_trap() is given (None: not a CPU trap)
    name: str
    explanation: str
    errcode: int = 0
    cr2: int = 0

    def to_json(self) -> dict:
        return {"trap": self.trap, "name": self.name, "explanation": self.explanation,
                "errcode": self.errcode, "cr2": self.cr2}


def explain_exit(exit: Exit, eip: int, mnemonic: str | None) -> FaultReport:
    """Describe a `trap` or `fault` exit that is not a hypercall. `mnemonic` is the instruction at EIP
    (for a software interrupt, EIP is already past it and `mnemonic` is that of the `int`)."""
    where = f"at {eip:#x}"
    if exit.kind == "fault" and exit.vector == 14:
        errcode = 2 if exit.access == "write" else 0     # #PF error code: bit 1 = write, bit 0 clear = not present
        what = {"write": "write to", "fetch": "instruction fetch from"}.get(exit.access or "read", "read from")
        return FaultReport(14, TRAP_NAMES[14], f"{what} {exit.address:#x} {where}: the Guest has "
                           f"{RAM_SIZE >> 20} MiB of memory, mapped at 0 and at PAGE_OFFSET (0xc0000000), and "
                           "nothing else, so the CPU raises a page fault", errcode, exit.address or 0)
    if exit.kind == "fault":
        return FaultReport(None, "emulator error", f"the emulator could not go on {where}: {exit.error}")
    vector = exit.vector if exit.vector is not None else -1
    name = TRAP_NAMES.get(vector, f"vector {vector:#x}")
    if mnemonic == "int" or (mnemonic or "").startswith("int"):
        return FaultReport(vector, f"int ${vector:#x}", f"software interrupt {vector:#x} {where}: only "
                           f"int $0x1f is a hypercall, so the Host treats {vector:#x} as a trap for the Guest")
    if vector == 13:
        reason = PRIVILEGED.get((mnemonic or "").split(" ")[0], "the instruction is not allowed at ring 1 "
                                "with these segments")
        return FaultReport(13, name, f"{mnemonic or 'the instruction'} {where} raised #GP: {reason}",
                           exit.errcode or 0)
    if vector == 6:
        return FaultReport(6, name, f"{mnemonic or 'these bytes'} {where} is not an instruction the CPU runs; "
                           "only 0f 01 c1 (vmcall) at ring 1 is a hypercall, so this is a real #UD")
    if vector == 0:
        return FaultReport(0, name, f"{mnemonic or 'div'} {where} divided by zero (or the quotient overflowed)")
    if vector == 1:
        return FaultReport(1, name, f"single-step trap after the instruction before {where}: TF is set")
    return FaultReport(vector, name, f"the CPU raised {name} {where}")
