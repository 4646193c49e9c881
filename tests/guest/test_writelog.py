"""The native write log (writelog.c) records exactly what the Python hook records, store for store, and its
instruction-count hint never changes a count: runs that stop early are compared, machine state and all,
with the Python log's machine, which finds the count by single steps and bisection alone."""

from __future__ import annotations

import struct

import pytest

from journey_app.guest import Machine
from journey_app.guest.machine import LOG_KEEP, SLICE
from journey_app.guest.writelog import NativeWriteLog, PythonWriteLog, native_status
from journey_app.toolchain import PAGE_OFFSET

from .conftest import SCRATCH

STACK = SCRATCH + 0x10000
DATA = SCRATCH + 0x8000
PUSH_POP = b"\x50\x5b"                          # push %eax; pop %ebx
VMCALL = b"\x0f\x01\xc1"
INT_1F = b"\xcd\x1f"


def _store(address: int, value: int) -> bytes:
    return b"\xc7\x05" + struct.pack("<II", address, value)          # movl $value, address


def _programs() -> dict[str, tuple[bytes, int | None]]:
    """name -> (code at SCRATCH, offset of a stop address in it or None)."""
    nops_to = SCRATCH + 0x400
    page_end = SCRATCH + 0x1000 - 2
    return {
        "vmcall after pushes": (PUSH_POP * 40 + VMCALL, None),
        "int after pushes": (PUSH_POP * 33 + b"\x6a\x07" * 5 + INT_1F, None),
        "unmapped read": (PUSH_POP * 30 + b"\xa1" + struct.pack("<I", 0x02000000), None),
        "unmapped write": (PUSH_POP * 30 + _store(0x02000000, 1), None),
        "a stop address": (PUSH_POP * 50 + b"\x90", 100),
        "pushal, a store across a page end, an 8-byte store": (
            b"\x60" * 3 + _store(page_end, 0xAABBCCDD) + b"\xd9\xee" + b"\xdd\x1d" + struct.pack("<I", DATA)
            + PUSH_POP * 10 + VMCALL, None),
        "rep stosb": (b"\xbf" + struct.pack("<I", DATA) + b"\xb9\x40\x00\x00\x00\xb0\x5a\xf3\xaa" + INT_1F, None),
        # Self-modifying code: two stores turn a ud2 ahead into two nops; the rewind must put the ud2
        # back (and drop its translation) and the re-run must see the nops again.
        "code rewritten ahead": (_store(nops_to - 2, 0x90909090) + PUSH_POP * 20 + b"\x90" * (
            0x400 - 10 - 40 - 2) + b"\x0f\x0b\x0f\x0b" + PUSH_POP * 5 + INT_1F, None),
    }


def _machine(build, native: bool, code: bytes) -> Machine:
    m = Machine(build, native_writes=native)
    m.write(SCRATCH, code)
    m.regs["eip"] = SCRATCH
    m.regs["esp"] = STACK
    m.regs["eax"] = 0x11223344
    return m


def test_the_native_log_builds_on_this_machine():
    # CI has a C compiler (the Guest's C chapters need gcc): the fast path must not fall back silently
    assert native_status() == (True, "native (writelog.c)")


def test_machines_use_the_log_they_are_asked_for(build):
    assert isinstance(Machine(build, native_writes=True).log, NativeWriteLog)
    assert isinstance(Machine(build, native_writes=False).log, PythonWriteLog)


@pytest.mark.parametrize("name", list(_programs()))
def test_native_and_python_logs_agree_on_an_early_stop(build, name):
    code, stop_offset = _programs()[name]
    stops = frozenset({SCRATCH + stop_offset}) if stop_offset is not None else frozenset()
    fast, slow = _machine(build, True, code), _machine(build, False, code)

    ends = [m.run(10_000, stops) for m in (fast, slow)]

    assert ends[0] == ends[1]
    assert ends[0].kind != "count" and ends[0].executed > 25          # it stopped early, well into the run
    assert fast.regs.snapshot() == slow.regs.snapshot()
    assert fast.writes == slow.writes
    assert fast.ram.dirty == slow.ram.dirty
    assert fast.read(SCRATCH, 0x10000 + 0x40) == slow.read(SCRATCH, 0x10000 + 0x40)
    # and both machines carry on alike from there (translations of rewritten code are right)
    assert fast.take_writes() == slow.take_writes()
    assert fast.run(50) == slow.run(50)
    assert fast.regs.snapshot() == slow.regs.snapshot()


def _counting_starts(m: Machine) -> list[int]:
    calls: list[int] = []
    start = m.uc.emu_start

    def counted(*args, **kw):
        calls.append(kw.get("count", 0))
        return start(*args, **kw)

    m.uc.emu_start = counted  # type: ignore[method-assign]
    return calls


def test_the_code_hook_count_spares_the_bisection(build):
    fast, slow = _machine(build, True, PUSH_POP * 40 + VMCALL), _machine(build, False, PUSH_POP * 40 + VMCALL)
    fast_starts, slow_starts = _counting_starts(fast), _counting_starts(slow)

    exits = fast.run(10_000), slow.run(10_000)

    assert [(e.kind, e.vector, e.executed) for e in exits] == [("trap", 6, 81)] * 2
    assert fast.eip == slow.eip == SCRATCH + 80                     # at the vmcall, as the CPU reports #UD
    # the first slice of the run; then, from where it began, the 80 instructions before the last counted one (they must
    # not stop) and that one alone (it must)
    assert fast_starts == [SLICE, 80, 1]
    assert len(slow_starts) > 24                                    # single steps, then bisection


def test_taking_the_writes_empties_the_log_and_a_long_runs_buffer_goes_back(build):
    m = _machine(build, True, b"\x50" * 9000 + b"\xeb\xfe")         # 9,000 pushes, then `jmp .`
    m.regs["esp"] = PAGE_OFFSET + 0x400000

    m.run(20_000)

    assert len(m.log) == 9000 and m.log.log.capacity >= 9000
    assert len(m.take_writes(100)[0]) == 100
    assert (len(m.log), m.log.log.capacity) == (0, 0)


def test_a_store_heavy_long_run_keeps_a_bounded_log_and_counts_every_store(build):
    # fxsave stores 39 times: 3,000 of them are 117,000 stores, more than the log keeps between slices
    loop = b"\x0f\xae\x05" + struct.pack("<I", DATA) + b"\x49\x75\xf6" + INT_1F   # fxsave; dec ecx; jnz; int
    fast, slow = _machine(build, True, loop), _machine(build, False, loop)
    for m in (fast, slow):
        m.regs["ecx"] = 3000

    ends = fast.run(100_000), slow.run(100_000)

    assert ends[0] == ends[1] and (ends[0].kind, ends[0].executed) == ("trap", 9001)
    assert len(fast.log) <= LOG_KEEP + SLICE * 39
    taken = fast.take_writes(), slow.take_writes()
    assert taken[0] == taken[1] and taken[0][1] == 3000 * 39 and len(taken[0][0]) <= LOG_KEEP + SLICE * 39


def test_a_failed_log_fails_its_run_and_not_every_later_run_of_the_pooled_machine(build):
    """writelog.c marks its log failed when realloc fails (out of memory): that run is refused (its log is
    incomplete), but the machine goes back to the pool, and a restored machine must run again."""
    m = _machine(build, True, PUSH_POP * 4 + VMCALL)
    assert isinstance(m.log, NativeWriteLog)
    m.log.log.failed = 2                        # what wl_on_write records when realloc returns NULL
    with pytest.raises(MemoryError):
        m.run(3)
    m.restore(None, {})
    m.write(SCRATCH, PUSH_POP * 4 + VMCALL)
    m.regs["eip"], m.regs["esp"] = SCRATCH, STACK
    assert m.run(3).executed == 3 and not m.log.failed
