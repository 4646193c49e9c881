"""The GDT and the Switcher page: how the machine puts the Guest at ring 1 with lguest's selectors.
Owns descriptors, selectors and the ring-0 → ring-1 `iret` that enters the Guest; must not touch guest RAM.
"""

from __future__ import annotations

import struct

from unicorn import UC_PROT_ALL, Uc
from unicorn.x86_const import (
    UC_X86_REG_CS, UC_X86_REG_DS, UC_X86_REG_EFLAGS, UC_X86_REG_ES, UC_X86_REG_ESP, UC_X86_REG_GDTR, UC_X86_REG_SS,
)

from ..host.constants import GUEST_KERNEL_CS, GUEST_KERNEL_DS, SWITCHER_ADDR

# The Switcher's own segments (asm/lguest.h GDT_ENTRY_LGUEST_CS/DS = 10/11): ring 0, used only to
# `iret` into the Guest once, as switch_to_guest in switcher_32.S does.
LGUEST_CS = 10 * 8
LGUEST_DS = 11 * 8
GDT_ENTRIES = 32
# segments.c setup_guest_gdt(): flat 4 GiB code/data at DPL 1 (FULL_EXEC_SEGMENT, FULL_SEGMENT with
# GUEST_PL << 13), accessed bit preset. These are the words Host.gdt starts with.
GUEST_CODE = (0x0000FFFF, 0x00CFBB00)
GUEST_DATA = (0x0000FFFF, 0x00CFB300)
# asm/segment.h GDT_ENTRY_DEFAULT_USER_CS/DS = 14/15: flat 4 GiB at DPL 3, the Guest's user segments
# (__USER_CS 0x73, __USER_DS 0x7b). The Guest loads them with LHCALL_LOAD_GDT_ENTRY at boot; the
# machine has them from the start so a scenario can run user code.
USER_CODE = (0x0000FFFF, 0x00CFFB00)
USER_DATA = (0x0000FFFF, 0x00CFF300)
USER_CS = 14 * 8 + 3
USER_DS = 15 * 8 + 3
SWITCHER_CODE = (0x0000FFFF, 0x00CF9B00)
SWITCHER_DATA = (0x0000FFFF, 0x00CF9300)

# Layout of the one Switcher page (not guest RAM: the Host's guest_pa() refuses it).
GDT_ADDR = SWITCHER_ADDR
ENTRY_IRET = SWITCHER_ADDR + 0x800           # a single `iret` byte
ENTRY_STACK = SWITCHER_ADDR + 0x1000 - 20    # the 5-word ring-change frame it pops
NEVER = SWITCHER_ADDR + 0xFF0                # an address the Guest never executes (the idle exit)
GUEST_EFLAGS = 0x202                         # lguest_arch_setup_regs(): IF=1 and the reserved bit


def gdt_bytes() -> bytes:
    table = bytearray(8 * GDT_ENTRIES)
    for index, (lo, hi) in ((10, SWITCHER_CODE), (11, SWITCHER_DATA),
                            (GUEST_KERNEL_CS >> 3, GUEST_CODE), (GUEST_KERNEL_DS >> 3, GUEST_DATA),
                            (USER_CS >> 3, USER_CODE), (USER_DS >> 3, USER_DATA)):
        table[8 * index:8 * index + 8] = struct.pack("<II", lo, hi)
    return bytes(table)


def enter_ring1(uc: Uc) -> None:
    """Load the GDT and drop to ring 1 with cs 0x61, ss/ds/es 0x69, eflags 0x202.

    Unicorn takes the CPL from SS's DPL and refuses to load ss 0x69 at CPL 0, so, like the real Switcher,
    we start at ring 0 on LGUEST_CS/LGUEST_DS and `iret` through a ring-change frame. Must run before
    any hook is called (no guest code runs here)."""
    uc.mem_map(SWITCHER_ADDR, 0x1000, UC_PROT_ALL)
    uc.mem_write(GDT_ADDR, gdt_bytes())
    uc.reg_write(UC_X86_REG_GDTR, (0, GDT_ADDR, 8 * GDT_ENTRIES - 1, 0))
    uc.reg_write(UC_X86_REG_CS, LGUEST_CS)
    uc.reg_write(UC_X86_REG_SS, LGUEST_DS)
    uc.reg_write(UC_X86_REG_DS, LGUEST_DS)
    uc.reg_write(UC_X86_REG_ES, LGUEST_DS)
    uc.mem_write(ENTRY_IRET, b"\xcf")
    uc.mem_write(ENTRY_STACK, struct.pack("<5I", NEVER, GUEST_KERNEL_CS, GUEST_EFLAGS, 0, GUEST_KERNEL_DS))
    uc.reg_write(UC_X86_REG_ESP, ENTRY_STACK)
    uc.emu_start(ENTRY_IRET, NEVER, count=1)
    uc.reg_write(UC_X86_REG_DS, GUEST_KERNEL_DS)
    uc.reg_write(UC_X86_REG_ES, GUEST_KERNEL_DS)
    cs, ss, eflags = uc.reg_read(UC_X86_REG_CS), uc.reg_read(UC_X86_REG_SS), uc.reg_read(UC_X86_REG_EFLAGS)
    if (cs, ss) != (GUEST_KERNEL_CS, GUEST_KERNEL_DS) or not eflags & 0x200:
        raise RuntimeError(f"could not enter ring 1: cs={cs:#x} ss={ss:#x} eflags={eflags:#x}")


def enter_ring3(uc: Uc) -> None:
    """From ring 1, `iret` to ring 3 with cs 0x73, ss/ds/es 0x7b: the CPU's own way to user mode (Unicorn
    refuses to load a DPL-3 ss at CPL 1, as the CPU would). Used once to capture the ring-3 context."""
    uc.mem_write(ENTRY_STACK, struct.pack("<5I", NEVER, USER_CS, GUEST_EFLAGS, ENTRY_STACK, USER_DS))
    uc.reg_write(UC_X86_REG_ESP, ENTRY_STACK)
    uc.emu_start(ENTRY_IRET, NEVER, count=1)
    uc.reg_write(UC_X86_REG_DS, USER_DS)
    uc.reg_write(UC_X86_REG_ES, USER_DS)
    cs, ss = uc.reg_read(UC_X86_REG_CS), uc.reg_read(UC_X86_REG_SS)
    if (cs, ss) != (USER_CS, USER_DS):
        raise RuntimeError(f"could not enter ring 3: cs={cs:#x} ss={ss:#x}")
