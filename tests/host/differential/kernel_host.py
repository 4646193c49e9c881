"""Runs the compiled 2.6.31 Host functions (build.py) in their own Unicorn engine, one per family.

`KernelHost.call(entry, state)` writes a `KState` into the harness's `h_io` block and the guest memory
at LAUNCHER_MEM_BASE, runs the entry point until it returns, and reads both back. The engine and the
loaded image are reused for every case; only h_io, guest memory and the stack are rewritten.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field, fields

from elftools.elf.elffile import ELFFile
from unicorn import UC_ARCH_X86, UC_MODE_32, UC_PROT_ALL, Uc
from unicorn.x86_const import UC_X86_REG_EIP, UC_X86_REG_ESP

from journey_app.host.constants import LAUNCHER_MEM_BASE

from .build import build

REGS = ("eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "gs", "fs", "ds", "es", "trapnum", "errcode", "eip",
        "cs", "eflags", "esp", "ss")       # struct lguest_regs, in its order (asm/lguest.h)
SCALARS = ("mem_size", "mem_base", "lguest_data", "irqs_pending", "halted", "noirq_start", "noirq_end",
           "kernel_address", "next_hcall", "pending_notify", "hcall", "ts", "ss1", "esp1", "stack_pages", "pgdir0",
           "last_pagefault", "changed")
TAIL = ("irq", "more", "timestamps", "clear_all", "flush_user", "new_pgtable", "set_pte", "set_pgd", "clock_calls",
        "clock_delta", "set_pte_args0", "set_pte_args1", "set_pte_args2", "set_pgd_args0", "set_pgd_args1", "bugs",
        "dead_kind", "dead_err")
MSG = 192
NULL = 0xFFFFFFFF
IO_FORMAT = "<" + "I" * (len(SCALARS) + len(REGS) + 512 + 64 + 256 + 512 + len(TAIL)) + f"{MSG}s"
RETURN = 0x00080000          # a page the entry points "return" to: emu_start stops there
STACK_TOP = 0x00090000
TIMEOUT_US = 0             # no limit: a count or timeout makes Unicorn instrument every instruction or start a thread


@dataclass
class KState:
    """One Host+Guest state as the kernel sees it (what h_io carries), plus the guest's memory."""

    memory: bytearray
    regs: dict[str, int]
    lguest_data: int | None = None         # guest-physical, None = not registered
    irqs_pending: int = 0
    halted: int = 0
    noirq_start: int = 0
    noirq_end: int = 0
    kernel_address: int = 0
    next_hcall: int = 0
    pending_notify: int = 0
    hcall: int = 0
    ts: int = 0
    ss1: int = 0
    esp1: int = 0
    stack_pages: int = 0
    pgdir0: int = 0
    last_pagefault: int = 0
    changed: int = 0
    idt: dict[int, tuple[int, int]] = field(default_factory=dict)
    gdt: dict[int, tuple[int, int]] = field(default_factory=dict)
    default_handlers: tuple[int, ...] = ()
    timestamps: int = 0
    dead: str | None = None                # a message, or "ERR_PTR(-N)"
    # outputs only
    real_idt: dict[int, tuple[int, int]] = field(default_factory=dict)
    irq: int = 0
    more: int = 0
    stubs: dict[str, int] = field(default_factory=dict)


class KernelHost:
    def __init__(self, mem_size: int):
        harness = build()
        self.mem_size = mem_size
        uc = self.uc = Uc(UC_ARCH_X86, UC_MODE_32)
        with open(harness.elf, "rb") as fh:
            elf = ELFFile(fh)
            for seg in elf.iter_segments():
                if seg["p_type"] != "PT_LOAD":
                    continue
                lo = seg["p_vaddr"] & ~0xFFF
                hi = (seg["p_vaddr"] + seg["p_memsz"] + 0xFFF) & ~0xFFF
                uc.mem_map(lo, hi - lo, UC_PROT_ALL)
                uc.mem_write(seg["p_vaddr"], seg.data())
            symtab = elf.get_section_by_name(".symtab")
            self.symbols = {s.name: s["st_value"] for s in symtab.iter_symbols() if s.name}
            io_size = next(s["st_size"] for s in symtab.iter_symbols() if s.name == "h_io")
        if io_size != struct.calcsize(IO_FORMAT):
            raise RuntimeError(f"h_io is {io_size} bytes in C but {struct.calcsize(IO_FORMAT)} in kernel_host.py")
        uc.mem_map(RETURN, 0x1000, UC_PROT_ALL)
        uc.mem_map(STACK_TOP - 0x8000, 0x8000, UC_PROT_ALL)
        uc.mem_map(LAUNCHER_MEM_BASE, mem_size, UC_PROT_ALL)
        self.io = self.symbols["h_io"]

    def call(self, entry: str, state: KState) -> KState:
        words = [self.mem_size, LAUNCHER_MEM_BASE, NULL if state.lguest_data is None else state.lguest_data,
                 state.irqs_pending, state.halted, state.noirq_start, state.noirq_end, state.kernel_address,
                 state.next_hcall, state.pending_notify, state.hcall, state.ts, state.ss1, state.esp1,
                 state.stack_pages, state.pgdir0, state.last_pagefault, state.changed]
        words += [state.regs.get(name, 0) & 0xFFFFFFFF for name in REGS]
        for table, size in ((state.idt, 256), (state.gdt, 32)):
            for i in range(size):
                words += table.get(i, (0, 0))
        handlers = state.default_handlers or (0,) * 256
        words += handlers
        words += [0] * 512
        dead_kind, dead_err, msg = 0, 0, b""
        if state.dead is not None and state.dead.startswith("ERR_PTR(-"):
            dead_kind, dead_err = 2, int(state.dead[9:-1])
        elif state.dead is not None:
            dead_kind, msg = 1, state.dead.encode("latin-1")
        words += [0, 0, state.timestamps] + [0] * 13 + [dead_kind, dead_err]
        uc = self.uc
        uc.mem_write(self.io, struct.pack(IO_FORMAT, *words, msg))
        uc.mem_write(LAUNCHER_MEM_BASE, bytes(state.memory))
        uc.mem_write(STACK_TOP - 4, struct.pack("<I", RETURN))
        uc.reg_write(UC_X86_REG_ESP, STACK_TOP - 4)
        uc.emu_start(self.symbols[entry], RETURN, timeout=TIMEOUT_US)
        if uc.reg_read(UC_X86_REG_EIP) != RETURN:
            raise RuntimeError(f"{entry} did not return (eip {uc.reg_read(UC_X86_REG_EIP):#x})")
        out = struct.unpack(IO_FORMAT, uc.mem_read(self.io, struct.calcsize(IO_FORMAT)))
        *words, msg = out
        n = len(SCALARS)
        scalars = dict(zip(SCALARS, words[:n], strict=True))
        regs = dict(zip(REGS, words[n:n + 18], strict=True))
        at = n + 18
        idt = {i: (words[at + 2 * i], words[at + 2 * i + 1]) for i in range(256)}
        at += 512
        gdt = {i: (words[at + 2 * i], words[at + 2 * i + 1]) for i in range(32)}
        at += 64 + 256
        real = {i: (words[at + 2 * i], words[at + 2 * i + 1]) for i in range(256)}
        at += 512
        tail = dict(zip(TAIL, words[at:], strict=True))
        dead = None
        if tail["dead_kind"] == 1:
            dead = msg.split(b"\0", 1)[0].decode("latin-1")
        elif tail["dead_kind"] == 2:
            dead = f"ERR_PTR(-{tail['dead_err']})"
        result = KState(
            memory=bytearray(uc.mem_read(LAUNCHER_MEM_BASE, self.mem_size)), regs=regs,
            lguest_data=None if scalars["lguest_data"] == NULL else scalars["lguest_data"],
            idt=idt, gdt=gdt, real_idt=real, dead=dead, irq=tail["irq"], more=tail["more"],
            timestamps=tail["timestamps"], default_handlers=handlers,
            stubs={k: tail[k] for k in TAIL if k not in ("irq", "more", "timestamps", "dead_kind", "dead_err")},
            **{k: scalars[k] for k in SCALARS if k not in ("mem_size", "mem_base", "lguest_data")})
        return result


def kstate_fields() -> tuple[str, ...]:
    return tuple(f.name for f in fields(KState))
