"""`Registers`: the guest's registers by name, as the Host model's GuestView.regs and the State's register table.
Owns the name ↔ Unicorn id map and flag bits; must not be used from inside a hook (EFLAGS is stale there).
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping

from unicorn import Uc
from unicorn.x86_const import (
    UC_X86_REG_CS, UC_X86_REG_DS, UC_X86_REG_EAX, UC_X86_REG_EBP, UC_X86_REG_EBX, UC_X86_REG_ECX, UC_X86_REG_EDI,
    UC_X86_REG_EDX, UC_X86_REG_EFLAGS, UC_X86_REG_EIP, UC_X86_REG_ES, UC_X86_REG_ESI, UC_X86_REG_ESP,
    UC_X86_REG_SS,
)

# The order of the State's "registers" object.
REGISTER_IDS = {
    "eax": UC_X86_REG_EAX, "ebx": UC_X86_REG_EBX, "ecx": UC_X86_REG_ECX, "edx": UC_X86_REG_EDX,
    "esi": UC_X86_REG_ESI, "edi": UC_X86_REG_EDI, "esp": UC_X86_REG_ESP, "ebp": UC_X86_REG_EBP,
    "eip": UC_X86_REG_EIP, "eflags": UC_X86_REG_EFLAGS,
    "cs": UC_X86_REG_CS, "ss": UC_X86_REG_SS, "ds": UC_X86_REG_DS, "es": UC_X86_REG_ES,
}
REGISTER_NAMES = tuple(REGISTER_IDS)
GENERAL = ("eax", "ebx", "ecx", "edx", "esi", "edi", "esp", "ebp", "eip")   # what `set` may change
SEGMENTS = ("cs", "ss", "ds", "es")
# asm/processor-flags.h bit positions of the flags the explorer shows and `set` may change.
FLAG_BITS = {"CF": 0, "PF": 2, "AF": 4, "ZF": 6, "SF": 7, "TF": 8, "IF": 9, "DF": 10, "OF": 11}
_IDS = tuple(REGISTER_IDS.values())


def flags_of(eflags: int) -> dict[str, int]:
    return {name: eflags >> bit & 1 for name, bit in FLAG_BITS.items()}


class Registers(MutableMapping):
    """Live view of the CPU registers. Writing a segment register reloads it through the GDT, so a
    selector the GDT does not allow raises UcError (the caller turns that into a fault)."""

    def __init__(self, uc: Uc):
        self._uc = uc

    def eip_raw(self) -> int:
        return self._uc.reg_read(UC_X86_REG_EIP)

    def snapshot(self) -> dict[str, int]:
        return dict(zip(REGISTER_NAMES, self._uc.reg_read_batch(_IDS)))

    def __getitem__(self, name: str) -> int:
        return self._uc.reg_read(REGISTER_IDS[name])

    def __setitem__(self, name: str, value: int) -> None:
        reg = REGISTER_IDS[name]
        value &= 0xFFFFFFFF
        if name in SEGMENTS:
            value &= 0xFFFF
            if self._uc.reg_read(reg) == value:
                return                              # reloading the same selector changes nothing
        self._uc.reg_write(reg, value)

    def __delitem__(self, name: str) -> None:
        raise TypeError("registers cannot be deleted")

    def __iter__(self) -> Iterator[str]:
        return iter(REGISTER_NAMES)

    def __len__(self) -> int:
        return len(REGISTER_NAMES)
