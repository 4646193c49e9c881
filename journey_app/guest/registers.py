"""`Registers`: the guest's registers by name, as the Host model's GuestView.regs and the State's register table.
Owns the name ↔ Unicorn id map and flag bits; must not be used from inside a hook (EFLAGS is stale there).
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator, MutableMapping

from unicorn import Uc, UcError
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
_MASKS = tuple(0xFFFF if name in SEGMENTS else 0xFFFFFFFF for name in REGISTER_NAMES)

try:   # the binding's reg_read_batch picks a ctypes class per register in Python: ~40 us for 14
    from unicorn.unicorn_py3.unicorn import uclib
    _uclib: ctypes.CDLL | None = uclib
except ImportError:     # pragma: no cover - other binding layouts use the public API below
    _uclib = None


def flags_of(eflags: int) -> dict[str, int]:
    return {name: eflags >> bit & 1 for name, bit in FLAG_BITS.items()}


class Registers(MutableMapping[str, int]):
    """Live view of the CPU registers. Writing a segment register reloads it through the GDT, so a
    selector the GDT does not allow raises UcError (the caller turns that into a fault)."""

    def __init__(self, uc: Uc, switch_ring=None):
        self._uc = uc
        self._switch_ring = switch_ring
        self._handle = getattr(uc, "_uch", None)
        count = len(_IDS)
        self._ids = (ctypes.c_int * count)(*_IDS)
        self._vals = (ctypes.c_uint64 * count)()
        self._ptrs = (ctypes.c_void_p * count)(*(ctypes.addressof(self._vals) + 8 * i for i in range(count)))
        self._size = ctypes.sizeof(self._vals)
        self._one = ctypes.c_uint64()
        self._one_ptr = ctypes.byref(self._one)

    def eip_raw(self) -> int:
        if _uclib is None or self._handle is None:
            return self._uc.reg_read(UC_X86_REG_EIP)
        self._one.value = 0
        status = _uclib.uc_reg_read(self._handle, UC_X86_REG_EIP, self._one_ptr)
        if status:
            raise UcError(status)
        return self._one.value & 0xFFFFFFFF

    def read_all(self) -> tuple[int, ...]:
        """All registers in REGISTER_NAMES order, in one call into Unicorn."""
        if _uclib is None or self._handle is None:
            return tuple(v & m for v, m in zip(self._uc.reg_read_batch(_IDS), _MASKS, strict=True))  # type: ignore[attr-defined]
        ctypes.memset(self._vals, 0, self._size)
        status = _uclib.uc_reg_read_batch(self._handle, self._ids, self._ptrs, len(_IDS))
        if status:
            raise UcError(status)
        return tuple(v & m for v, m in zip(self._vals, _MASKS, strict=True))

    def snapshot(self) -> dict[str, int]:
        return dict(zip(REGISTER_NAMES, self.read_all(), strict=True))

    def __getitem__(self, name: str) -> int:
        return self._uc.reg_read(REGISTER_IDS[name])

    def __setitem__(self, name: str, value: int) -> None:
        reg = REGISTER_IDS[name]
        value &= 0xFFFFFFFF
        if name in SEGMENTS:
            value &= 0xFFFF
            if self._uc.reg_read(reg) == value:
                return                              # reloading the same selector changes nothing
            cpl = self._uc.reg_read(UC_X86_REG_SS) & 3
            if name in ("cs", "ss") and (value & 3) != cpl and self._switch_ring is not None:
                self._switch_ring(value & 3)        # another ring: only an iret gets there
                if self._uc.reg_read(reg) == value:
                    return
        self._uc.reg_write(reg, value)

    def __delitem__(self, name: str) -> None:
        raise TypeError("registers cannot be deleted")

    def __iter__(self) -> Iterator[str]:
        return iter(REGISTER_NAMES)

    def __len__(self) -> int:
        return len(REGISTER_NAMES)
