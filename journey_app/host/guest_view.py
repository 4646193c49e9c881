"""Owns the GuestView protocol, GuestMemoryFault and guest-physical → GuestView address translation.
Must not import unicorn: guest/ implements GuestView over its machine.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Protocol, runtime_checkable

from .constants import PAGE_OFFSET, PAGE_SIZE

REG_NAMES = ("eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "eip", "eflags", "cs", "ss", "ds", "es")
U32 = 0xFFFFFFFF


class GuestMemoryFault(Exception):
    """A GuestView access touched an address the guest machine does not map.

    The model treats it like a failed get_user/put_user/copy_*_user in the kernel: the caller decides
    whether that kills the Guest (most writes) or is tolerated (e.g. reading irq_enabled counts as 0).
    """

    def __init__(self, addr: int):
        super().__init__(f"guest memory fault at {addr:#x}")
        self.addr = addr


@runtime_checkable
class GuestView(Protocol):
    """What the Host model needs from a guest machine (guest/ implements it over Unicorn).

    Addresses are guest-*virtual*; both [0, mem) and [PAGE_OFFSET, PAGE_OFFSET + mem) reach the same
    physical memory, like the 2.6.31 Host's boot page tables. `regs` keys are REG_NAMES.
    """

    @property
    def regs(self) -> MutableMapping[str, int]: ...

    def read(self, vaddr: int, size: int) -> bytes: ...

    def write(self, vaddr: int, data: bytes) -> None: ...


def phys_to_virt(paddr: int) -> int:
    """Where the Host reaches guest-physical `paddr` through GuestView (the kernel: mem_base + paddr)."""
    return (paddr + PAGE_OFFSET) & U32


def lguest_address_ok(mem_size: int, addr: int, length: int) -> bool:
    """core.c lguest_address_ok(): the range ends inside guest memory and does not wrap.

    The kernel compares page numbers, `(addr+len)/PAGE_SIZE < pfn_limit`, so a range ending in the
    last page of memory is refused too; we keep that quirk.
    """
    end = addr + length
    return end // PAGE_SIZE < mem_size // PAGE_SIZE and end >= addr and end <= U32


def guest_pa(mem_size: int, vaddr: int) -> int | None:
    """page_tables.c guest_pa() over the Host-built boot mapping: VA = PA and VA = PA + PAGE_OFFSET.

    Returns None where the kernel would kill the Guest with "Bad address %#lx". The model does not walk
    the Guest's own page tables: the explorer's guest machine only ever has the boot mapping.
    """
    if PAGE_OFFSET <= vaddr < PAGE_OFFSET + mem_size:
        return vaddr - PAGE_OFFSET
    if 0 <= vaddr < mem_size:
        return vaddr
    return None


def read_u32(guest: GuestView, vaddr: int) -> int:
    return int.from_bytes(guest.read(vaddr, 4), "little")


def write_u32(guest: GuestView, vaddr: int, value: int) -> None:
    guest.write(vaddr, (value & U32).to_bytes(4, "little"))


def reg(guest: GuestView, name: str) -> int:
    """A register as the kernel's `unsigned long` sees it (32 bits)."""
    return int(guest.regs[name]) & U32
