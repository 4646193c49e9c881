"""A real, small guest machine for the Host model: 16 MiB of bytes seen at both 0 and PAGE_OFFSET.

`MemoryGuest` implements journey_app.host.GuestView the way guest/ does over Unicorn (same alias, same
fault behaviour), so these tests exercise the model against real memory, not a mock.
"""

from __future__ import annotations

import pytest

from journey_app.host import GuestMemoryFault, Host, LguestData, PAGE_OFFSET, do_hypercalls
from journey_app.host.guest_view import REG_NAMES

MEM_SIZE = 16 * 1024 * 1024
LGUEST_DATA = 0xC0102000            # where glue/lguest_data.S puts it (virtual)
NOIRQ_START = 0xC010006D            # lguest_noirq_start..lguest_noirq_end: 8 bytes inside lguest_iret
NOIRQ_END = 0xC0100075
OUTSIDE_WINDOW = 0xC0100200         # an ordinary kernel EIP
STACK_TOP = 0xC0106000              # esp of the interrupted Guest code
HANDLER = 0xC0100300                # journey_irq_N stand-in


class MemoryGuest:
    """bytearray-backed GuestView. `holes` are physical ranges that fault, to test the Host's fault paths."""

    def __init__(self, size: int = MEM_SIZE):
        self.mem = bytearray(size)
        self.size = size
        self.holes: list[tuple[int, int]] = []
        self.regs = dict.fromkeys(REG_NAMES, 0)
        self.regs.update(cs=0x61, ss=0x69, ds=0x69, es=0x69, eflags=0x202, esp=STACK_TOP, eip=OUTSIDE_WINDOW)

    def _phys(self, vaddr: int, n: int) -> int:
        if vaddr >= PAGE_OFFSET and vaddr + n <= PAGE_OFFSET + self.size:
            paddr = vaddr - PAGE_OFFSET
        elif vaddr >= 0 and vaddr + n <= self.size:
            paddr = vaddr
        else:
            raise GuestMemoryFault(vaddr)
        if any(lo < paddr + n and paddr < hi for lo, hi in self.holes):
            raise GuestMemoryFault(vaddr)
        return paddr

    def read(self, vaddr: int, size: int) -> bytes:
        p = self._phys(vaddr, size)
        return bytes(self.mem[p:p + size])

    def write(self, vaddr: int, data: bytes) -> None:
        p = self._phys(vaddr, len(data))
        self.mem[p:p + len(data)] = data

    def u32(self, vaddr: int) -> int:
        return int.from_bytes(self.read(vaddr, 4), "little")

    def put_u32(self, vaddr: int, value: int) -> None:
        self.write(vaddr, value.to_bytes(4, "little"))


def lay_out_lguest_data(guest: MemoryGuest, base: int = LGUEST_DATA) -> LguestData:
    """The static initializer of boot.c (as glue/lguest_data.S assembles it)."""
    ld = LguestData(guest, base)
    ld.write("blocked_interrupts", 1)
    for slot in range(64):
        ld.write(f"hcall_status[{slot}]", 0xFF)
    ld.write("noirq_start", NOIRQ_START)
    ld.write("noirq_end", NOIRQ_END)
    ld.write("kernel_address", PAGE_OFFSET)
    ld.write("syscall_vec", 0x80)
    return ld


def hcall(host: Host, guest: MemoryGuest, number: int, a1: int = 0, a2: int = 0, a3: int = 0, a4: int = 0):
    """The Guest traps with eax = number and arguments in ebx, ecx, edx, esi; the Host handles it."""
    guest.regs.update(eax=number, ebx=a1, ecx=a2, edx=a3, esi=a4)
    return do_hypercalls(host, guest)


def idt_words(handler: int, gate: int = 0xE) -> tuple[int, int]:
    """The lo/hi words the Guest's write_idt_entry passes for a present DPL-0 gate to `handler`."""
    return (0x60 << 16) | (handler & 0xFFFF), (handler & 0xFFFF0000) | 0x8000 | (gate << 8)


@pytest.fixture
def guest() -> MemoryGuest:
    return MemoryGuest()


@pytest.fixture
def host() -> Host:
    return Host()


@pytest.fixture
def booted(guest: MemoryGuest) -> tuple[Host, MemoryGuest]:
    """A Guest that has made LHCALL_LGUEST_INIT, with interrupts enabled and the timer unblocked."""
    host = Host()
    ld = lay_out_lguest_data(guest)
    hcall(host, guest, 1, LGUEST_DATA - PAGE_OFFSET)
    assert host.dead is None
    ld.write("irq_enabled", 0x200)
    ld.write("blocked_interrupts", 0)
    return host, guest
