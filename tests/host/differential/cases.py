"""Generators of Host+Guest states, one per function family, written once against a small `Draw`
interface so the same code feeds the seeded bulk runs (RandomDraw) and hypothesis (HypothesisDraw,
which shrinks a failing case to a small one).

States lean towards the edges the kernel code tests: the no-interrupt window around eip, irq_enabled
0 / 0x200 / other nonzero, blocked bits, gates of every type and DPL, stacks at the ends of memory and
outside it, user-mode (RPL 3) stacks, vmcall and in/out bytes at eip, ring slots and hypercall numbers.
"""

from __future__ import annotations

import random

from journey_app.host.constants import PAGE_OFFSET
from journey_app.host.lguest_data import LGUEST_DATA_SIZE

from .kernel_host import KState

MEM = 0x10000                     # 16 pages of guest memory: lguest_address_ok() edges are easy to reach
U32 = 0xFFFFFFFF


class RandomDraw:
    def __init__(self, seed: int):
        self.r = random.Random(seed)

    def int(self, lo: int, hi: int) -> int:
        return self.r.randint(lo, hi)

    def choice(self, options):
        return options[self.r.randrange(len(options))]

    def bool(self, p: float = 0.5) -> bool:
        return self.r.random() < p


class HypothesisDraw:
    def __init__(self, data):
        from hypothesis import strategies as st
        self.data, self.st = data, st

    def int(self, lo: int, hi: int) -> int:
        return self.data.draw(self.st.integers(lo, hi))

    def choice(self, options):
        return options[self.data.draw(self.st.integers(0, len(options) - 1))]

    def bool(self, p: float = 0.5) -> bool:
        return self.data.draw(self.st.booleans())


def word(d) -> int:
    """A 32-bit value from the interesting families."""
    kind = d.int(0, 5)
    if kind == 0:
        return d.choice((0, 1, 2, 0x200, 0x202, 0x80, 0xFF, U32, 0x80000000))
    if kind == 1:
        return d.int(0, 0x40)
    if kind == 2:
        return d.int(0, MEM + 0x2000)
    if kind == 3:
        return PAGE_OFFSET + d.int(0, MEM + 0x2000)
    return d.int(0, U32)


def address(d, size: int = 4) -> int:
    """A guest-virtual address: in memory (either alias), at its ends, or outside it."""
    kind = d.int(0, 6)
    if kind == 0:
        return d.choice((0, 4, MEM - size, MEM - size + 1, MEM, PAGE_OFFSET, PAGE_OFFSET + MEM - size,
                         PAGE_OFFSET + MEM, U32 - 2, 8, 12))
    if kind <= 2:
        return d.int(0, MEM // 4) * 4
    if kind <= 4:
        return PAGE_OFFSET + d.int(0, MEM // 4) * 4
    return d.int(0, U32)


def gate(d, vector: int) -> tuple[int, int]:
    """(lo, hi) as the Guest passes it to LOAD_IDT_ENTRY or as set_trap() stored it."""
    handler = d.choice((PAGE_OFFSET + 0x100300, PAGE_OFFSET + d.int(0, MEM), d.int(0, U32)))
    kind = d.choice((0xE, 0xE, 0xF, 0xF, 0xC, 0x5, d.int(0, 15)))
    present = 0x8000 if d.bool(0.85) else 0
    dpl = d.choice((0, 0, 1, 3, d.int(0, 3))) << 13
    hi = (handler & 0xFFFF0000) | present | dpl | (kind << 8)
    if d.bool(0.1):
        hi |= d.int(0, 0x10FF)     # bit 12 and the low byte, which set_trap() drops
    lo = (d.choice((0x60, 0x61, 0x10, d.int(0, 0xFFFF))) << 16) | (handler & 0xFFFF)
    return lo, hi


def lguest_data_at(d) -> int | None:
    kind = d.int(0, 9)
    if kind == 0:
        return None
    if kind == 1:      # the ends of what LHCALL_LGUEST_INIT accepts (lguest_address_ok)
        return d.choice((MEM - 0x1000 - LGUEST_DATA_SIZE, 0, 4))
    return d.int(0, (MEM - 0x1000 - LGUEST_DATA_SIZE) // 4) * 4


def put(mem: bytearray, paddr: int, value: int, size: int = 4) -> None:
    if paddr >= 0 and paddr + size <= len(mem):
        mem[paddr:paddr + size] = (value & ((1 << 8 * size) - 1)).to_bytes(size, "little")


CODE = (bytes([0x0F, 0x01, 0xC1]), bytes([0xCD, 0x1F, 0x90]), bytes([0xE4, 0x60]), bytes([0xE5, 0x71]),
        bytes([0xEC]), bytes([0xED]), bytes([0xE6, 0x80]), bytes([0xE7, 0x80]), bytes([0xEE]), bytes([0xEF]),
        bytes([0x66, 0xE5, 0x60]), bytes([0x66, 0xED]), bytes([0x66, 0xEF]), bytes([0x66, 0x66, 0xED]),
        bytes([0xCD, 0x80]), bytes([0x0F, 0x01, 0xC2]), bytes([0x90]))


def base_state(d, *, lguest_data: bool = True) -> KState:
    mem = bytearray(MEM)
    for _ in range(d.int(0, 6)):                        # some noise in memory
        put(mem, d.int(0, MEM - 4), d.int(0, U32))
    where = lguest_data_at(d) if lguest_data else None
    regs = {"eax": word(d), "ebx": word(d), "ecx": word(d), "edx": word(d), "esi": word(d), "edi": word(d),
            "ebp": word(d), "gs": 0, "fs": 0, "ds": 0x69, "es": 0x69, "trapnum": 0, "errcode": 0,
            "eip": d.choice((PAGE_OFFSET + 0x100200, address(d, 3))),
            "cs": d.choice((0x61, 0x61, 0x73, 0x60, d.int(0, 0xFFFF))),
            "eflags": d.choice((0x202, 0x246, 0x2, 0x3202, d.int(0, U32))),
            "esp": address(d), "ss": d.choice((0x69, 0x69, 0x7B, 0x68, 0x6A, d.int(0, 0xFFFF)))}
    state = KState(memory=mem, regs=regs, lguest_data=where, pgdir0=MEM - 0x1000,
                   timestamps=d.choice((0, 1, d.int(0, 5000))))
    if where is not None:
        ld = where
        put(mem, ld + 0, d.choice((0, 0x200, 0x200, 2, 0x202, 0x246, word(d))))
        put(mem, ld + 4, d.choice((0, 0, 1, 2, 0xFFFFFFFE, U32, word(d))))
        put(mem, ld + 20, d.choice((0, 0x200, word(d))))
        put(mem, ld + 1388, d.choice((PAGE_OFFSET, 0xFFC00000, 0xFF000000, word(d))))
        put(mem, ld + 1392, d.choice((0x80, 0x80, 0x81, word(d))))
        put(mem, ld + 1380, d.choice((PAGE_OFFSET + 0x10006D, word(d))))
        put(mem, ld + 1384, d.choice((PAGE_OFFSET + 0x100075, word(d))))
        for slot in range(64):
            put(mem, ld + 24 + slot, 0xFF, 1)
    state.irqs_pending = d.choice((0, 1, 2, 3, 0x80000000, d.int(0, U32), 1 << d.int(0, 31)))
    state.halted = int(d.bool(0.2))
    eip = regs["eip"]
    state.noirq_start, state.noirq_end = d.choice(
        ((0, 0), (eip, eip + 8), (eip - 1, eip), (eip + 1, eip + 9), (eip - 7, eip + 1), (word(d), word(d))))
    state.noirq_start &= U32
    state.noirq_end &= U32
    state.ss1 = d.choice((0x69, 0x68, 0x7B, d.int(0, 0xFFFF)))
    state.esp1 = address(d)
    state.stack_pages = d.choice((0, 1, 2))
    state.ts = d.choice((0, 0, 1, d.int(0, U32)))
    state.kernel_address = PAGE_OFFSET
    state.gdt = {12: (0x0000FFFF, 0x00CFBB00), 13: (0x0000FFFF, 0x00CFB300)}
    return state


def _idt(d, state: KState, vectors) -> None:
    for v in vectors:
        if d.bool(0.8):
            lo, hi = gate(d, v)
            # What set_trap() stores: selector 0x61, bit 12 and the low byte of hi cleared.
            state.idt[v] = (0, 0) if not hi & 0x8000 else ((0x61 << 16) | (lo & 0xFFFF), hi & 0xFFFFEF00)


def interrupts(d) -> KState:
    """interrupt_pending() + try_deliver_interrupt() (+ set_guest_interrupt/push_guest_stack)."""
    state = base_state(d)
    _idt(d, state, range(0x20, 0x40) if d.bool(0.3) else [0x20 + (state.irqs_pending & -state.irqs_pending
                                                                  ).bit_length() - 1 if state.irqs_pending else 0x20])
    return state


def traps(d) -> KState:
    """lguest_arch_handle_trap(): emulate_insn, is_hypercall/rewrite_hypercall, demand fault, deliver_trap."""
    state = base_state(d, lguest_data=d.bool(0.85))
    trap = d.choice((13, 13, 13, 6, 6, 14, 7, 0x1F, 0x80, 3, 0, 1, 8, 10, 11, 12, 17, 2, d.int(0, 31),
                     d.int(32, 255), 256, d.int(0, 300)))
    state.regs["trapnum"] = trap
    state.regs["errcode"] = d.choice((0, 0, 0, 2, 0x10A, 0x1A, 0x402, d.int(0, U32), (d.int(0, 255) << 3) | 2))
    if trap in (6, 13) and d.bool(0.5):
        state.regs["errcode"] = 0              # what in/out and vmcall-under-KVM raise
    state.last_pagefault = address(d)
    if d.bool(0.7):            # mostly the Guest kernel trapping on code in its memory
        state.regs["cs"] = 0x61
        state.regs["eip"] = d.choice((0, PAGE_OFFSET)) + d.int(0, MEM - 1)
    eip = state.regs["eip"]
    pa = eip - PAGE_OFFSET if eip >= PAGE_OFFSET else eip
    code = d.choice(CODE)
    if d.bool(0.8):
        for i, b in enumerate(code):
            put(state.memory, pa + i, b, 1)
    _idt(d, state, [trap & 0xFF, d.int(0, 255)])
    return state


BENIGN = (0, 5, 8, 9, 10, 17, 19, 4, 14, 15)


def hypercall_args(d) -> list[int]:
    if d.bool(0.4):            # a call that does not kill, so what follows it in the ring still runs
        number = d.choice(BENIGN)
        return [number, d.choice((0, 1, word(d))), word(d), word(d), word(d)]
    number = d.choice((0, 1, 2, 3, 4, 5, 6, 6, 7, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 18, 19, 20,
                       d.int(0, 40), d.int(0, U32)))
    args = [number, word(d), word(d), word(d), word(d)]
    if number == 1:
        args[1] = d.choice((d.int(0, MEM), MEM - 0x1000 - LGUEST_DATA_SIZE, 0x1000, U32 - 4))
    elif number == 2:
        args[1] = d.choice((d.int(0, MEM - 200), MEM - 128, MEM - 0x1000 - 128, MEM - 0x1000 - 127, word(d)))
        args[2] = d.choice((1, 2, 2, 0, word(d)))
    elif number == 6:
        args[1] = d.choice((2, 8, 15, 0x1F, 0x20, 0x21, 0x80, 3, 13, 14, 255, 256, d.int(0, 300), word(d)))
        args[2], args[3] = gate(d, args[1])
    elif number == 7:
        args[1] = d.choice((0x69, 0x68, 0x7B, 0x61, d.int(0, 0xFFFF), word(d)))
        args[2] = address(d)
        # pin_stack_pages() calls pin_page() once per page: a count in the billions would run for hours
        # in the kernel too (each call after the first "bad stack pages" kill changes nothing).
        args[3] = d.choice((0, 1, 2, 3, d.int(0, 64)))
    elif number == 18:
        # load_guest_gdt_entry() kills for an index >= 32 but still writes gdt[index]: up to 287 that
        # lands in arch.idt (modelled); further out it corrupts other Host memory (not generated).
        args[1] = d.choice((6, 7, 8, 12, 13, 16, 10, 11, 31, 32, 33, d.int(0, 40), d.int(32, 287)))
    elif number == 16:
        args[1] = d.choice((d.int(0, MEM - 24), MEM - 0x1000 - 24, MEM - 0x1000 - 23, word(d)))
    return [a & U32 for a in args]


def hypercalls(d) -> KState:
    """do_hypercalls(): initialize() before INIT, else do_async_hcalls() then do_hcall()."""
    state = base_state(d, lguest_data=d.bool(0.85))
    state.hcall = 1
    if state.lguest_data is None and d.bool(0.8):
        # A boot-time Guest: the INIT call with lguest_data laid out at its argument.
        where = d.int(0, (MEM - 0x1000 - LGUEST_DATA_SIZE) // 4) * 4 if d.bool(0.9) else d.int(0, MEM)
        put(state.memory, where + 1380, PAGE_OFFSET + 0x10006D)
        put(state.memory, where + 1384, PAGE_OFFSET + 0x100075)
        put(state.memory, where + 1388, d.choice((PAGE_OFFSET, PAGE_OFFSET, 0xFFC00000, word(d))))
        put(state.memory, where + 1392, d.choice((0x80, 0x80, 0x80, 0x81, word(d))))
        state.kernel_address = 0
        state.regs.update(eax=1 if d.bool(0.8) else d.int(0, 20), ebx=where)
    else:
        args = hypercall_args(d)
        for name, value in zip(("eax", "ebx", "ecx", "edx", "esi"), args, strict=True):
            state.regs[name] = value
    if state.lguest_data is not None:
        ld = state.lguest_data
        state.next_hcall = d.choice((0, 0, 63, d.int(0, 63)))
        for i in range(d.choice((0, 0, 1, 2, 3, d.int(0, 64)))):
            slot = (state.next_hcall + i) % 64
            put(state.memory, ld + 24 + slot, d.choice((0, 0, 0, 1, 0xFE)), 1)
            for j, a in enumerate(hypercall_args(d)):
                put(state.memory, ld + 88 + 20 * slot + 4 * j, a)
    if d.bool(0.05):
        state.dead = "earlier reason"
    for _ in range(d.choice((0, 0, 2))):
        state.gdt[d.int(0, 31)] = (word(d), word(d))
    _idt(d, state, [d.int(0, 255)])
    return state


def idt(d) -> KState:
    """setup_default_idt_entries() + copy_traps() (default_idt_entry, direct_trap)."""
    state = base_state(d, lguest_data=False)
    state.idt = {}
    vectors = [d.choice((3, 0x80, 0x21, 0x1F, 13, 14, 6, 7, 0, 1, 2, 8, 15, 31, 32, d.int(0, 255)))
               for _ in range(d.int(0, 12))]
    for v in vectors:
        lo, hi = gate(d, v)
        state.idt[v] = (lo, hi) if d.bool(0.3) else ((0x61 << 16) | (lo & 0xFFFF), hi & 0xFFFFEF00)
    base = d.choice((0xFFC00100, 0xC0000000, d.int(0, U32)))
    handlers = [(base + 16 * i) & U32 for i in range(256)]
    for _ in range(d.int(0, 4)):
        handlers[d.int(0, 255)] = d.int(0, U32)
    state.default_handlers = tuple(handlers)
    return state


FAMILIES = {"interrupts": interrupts, "traps": traps, "hypercalls": hypercalls, "idt": idt}
