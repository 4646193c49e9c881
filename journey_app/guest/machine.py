"""`Machine`: one Unicorn x86-32 engine over a Build's image, at ring 1, with thin hooks and exact-count runs.
Owns executing guest instructions and reporting why they stopped; must not apply Host effects inside a hook.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any, Literal

from unicorn import (
    UC_ARCH_X86, UC_ERR_EXCEPTION, UC_HOOK_INSN, UC_HOOK_INSN_INVALID, UC_HOOK_INTR, UC_HOOK_MEM_FETCH_UNMAPPED,
    UC_HOOK_MEM_READ_UNMAPPED, UC_HOOK_MEM_WRITE_UNMAPPED, UC_MEM_FETCH_UNMAPPED,
    UC_MEM_WRITE_UNMAPPED, UC_MODE_32, UC_PROT_ALL, Uc, UcError,
)
from unicorn.x86_const import UC_X86_INS_IN, UC_X86_INS_OUT, UC_X86_REG_EAX, UC_X86_REG_EIP

from ..toolchain import PAGE_OFFSET, Build
from .memory import PAGE_SHIFT, PAGE_SIZE, RAM_SIZE, GuestRam, to_phys
from .registers import REGISTER_IDS, Registers
from .segments import NEVER, enter_ring1, enter_ring3
from .writelog import make_log

_UCLIB: Any
try:                                    # the binding's own C library: one call, no Python register dispatch
    from unicorn.unicorn_py3.unicorn import uclib as _UCLIB
except ImportError:                     # another binding layout: fall back to uc.reg_read
    _UCLIB = None

SINGLE_STEPS = 24   # after an early stop, this many single steps find the exact count before bisecting
# A long run goes in slices of this many instructions; between slices the write log keeps only its first
# LOG_KEEP records (at least the most a run's trace shows: runs.runner.EVENT_LIMIT) and counts the rest, so a
# store-heavy run (fxsave makes 39 stores) holds a bounded log. Slicing does not change what a run does or counts.
SLICE = 8192
LOG_KEEP = 20_000

TCG_BUFFER_BYTES = 2 << 20    # translated code per engine (see __init__): the kernel text is a few KiB


@dataclass(frozen=True)
class Write:
    """One guest store seen by the write log's UC_HOOK_MEM_WRITE (before it happened, so `old` is what it
    replaced)."""

    eip: int
    address: int
    size: int
    old: int
    new: int


ExitKind = Literal["count", "stop", "trap", "fault"]


@dataclass(frozen=True, kw_only=True)
class Exit:
    """Why a run ended. kind: "count" (all requested instructions ran), "stop" (EIP reached a stop
    address), "trap" (a CPU exception or `int`; `vector` says which), "fault" (unmapped memory)."""

    kind: ExitKind
    executed: int
    vector: int | None = None
    address: int | None = None
    access: str | None = None
    error: str | None = None
    errcode: int | None = None    # the CPU's error code, where the machine knows it (#GP(0) on port I/O)


class Machine:
    """The guest CPU and memory. Hooks only record what happened and stop the emulator; the runs layer
    applies the Host's answer between runs (Unicorn's EFLAGS is stale inside hooks, and EIP cannot
    be changed from every hook)."""

    def __init__(self, build: Build, native_writes: bool | None = None):
        """`native_writes`: log guest stores with the compiled hook (None: when it can be built; see writelog.py)."""
        self.build = build
        self.ram = GuestRam(build)
        uc = self.uc = Uc(UC_ARCH_X86, UC_MODE_32)
        # Unicorn's translation buffer defaults to 1 GiB and code that rewrites itself (a hostile
        # `set eip 0; step`) fills it with dead blocks: bound it before the engine initialises.
        uc.ctl_set_tcg_buffer_size(TCG_BUFFER_BYTES)  # type: ignore[attr-defined]  # the x86 Uc subclass has it
        self._eip_buf = ctypes.c_uint32()
        self._eip_ref = ctypes.byref(self._eip_buf)
        uc.mem_map_ptr(0, RAM_SIZE, UC_PROT_ALL, self.ram.address)
        uc.mem_map_ptr(PAGE_OFFSET, RAM_SIZE, UC_PROT_ALL, self.ram.address)
        # All hooks go in before anything is translated: Unicorn bakes hooks into translated blocks.
        self.log = make_log(self.ram, self._eip, native_writes)
        self.log.install(uc)
        uc.hook_add(UC_HOOK_INSN_INVALID, self._on_invalid)
        uc.hook_add(UC_HOOK_INTR, self._on_interrupt)
        # Port I/O: the Guest runs at CPL 1 with IOPL 0 and an all-ones TSS I/O bitmap, so every in/out
        # raises #GP(0) on real hardware. Unicorn does not apply the IOPL/bitmap check (it runs `in` at
        # CPL 1 and calls the port hook), so the hooks below stand for that check: they record #GP(0)
        # and the run puts EIP back on the instruction, which is where the CPU reports the fault.
        uc.hook_add(UC_HOOK_INSN, self._on_in, None, 1, 0, UC_X86_INS_IN)
        uc.hook_add(UC_HOOK_INSN, self._on_out, None, 1, 0, UC_X86_INS_OUT)
        uc.hook_add(UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED | UC_HOOK_MEM_FETCH_UNMAPPED,
                    self._on_unmapped)
        enter_ring1(uc)
        ring1 = uc.context_save()
        enter_ring3(uc)
        # The CPU changes ring only through iret/interrupts; the Host's register writes (like the
        # Switcher's iret) may. These contexts carry each ring's segment state (the CPL lives there).
        self.rings = {1: ring1, 3: uc.context_save()}
        uc.context_restore(ring1)
        uc.ctl_exits_enabled(True)
        self._exits: frozenset[int] = frozenset({NEVER})
        uc.ctl_set_exits([NEVER])
        self.regs = Registers(uc, self._switch_ring)
        self.baseline = uc.context_save()
        self._stop: tuple | None = None
        self._fault_eip: int | None = None
        self.ram.dirty, self.ram.touched = set(), set()

    def close(self) -> None:
        """Free the engine and the guest RAM now, not when the cycle collector next runs. The hooks are
        bound methods in ctypes callbacks that unicorn keeps in reference cycles (ctypes.cast links each
        callback to its cast), so dropping a Machine frees nothing by reference counting; a full
        gc.collect() over a worker's heap cost 80-200 ms per pool eviction. So: close the native engine
        through the Uc's own finalizer (it runs once, so the collector will not close it again) and drop
        every attribute, which frees the RAM. The small Python shells left go with the next collection.
        The machine is unusable after."""
        uc = self.__dict__.pop("uc", None)
        if uc is not None:            # first, while the RAM it maps (mem_map_ptr) is still allocated
            uc._Uc__finalizer()       # weakref.finalize(self, Uc.release_handle, uch): uc_close, once
        self.__dict__.clear()

    # -- hooks: record and stop, nothing else ------------------------------------------------------------
    def take_writes(self, limit: int | None = None) -> tuple[list[tuple[int, int, int, int, int]], int]:
        """The first `limit` (None: all) stores logged since the last take, as (eip, address, size, old,
        new), and how many there were; the log forgets them all."""
        total = len(self.log) + self.log.dropped()
        records = self.log.records(0, limit)
        self.log.clear()
        return records, total

    @property
    def writes(self) -> list[Write]:
        """The stores logged since the last take_writes(), oldest first."""
        return [Write(*record) for record in self.log.records()]

    def _eip(self, uc) -> int:
        """EIP inside a hook (the Python write log's, per store): straight to uc_reg_read, without the
        binding's per-call register-class lookup (about 3x faster)."""
        if _UCLIB is None:
            return uc.reg_read(UC_X86_REG_EIP)
        _UCLIB.uc_reg_read(uc._uch, UC_X86_REG_EIP, self._eip_ref)
        return self._eip_buf.value

    def _on_invalid(self, uc, user_data):
        self._stop = ("trap", 6, None, None)          # #UD: what the real Host sees for vmcall
        uc.emu_stop()
        return True

    def _on_interrupt(self, uc, intno, user_data):
        self._stop = ("trap", intno, None, None)      # `int n` (EIP past it) or a CPU exception (EIP at it)
        uc.emu_stop()

    def _io_fault(self, uc) -> None:
        self._stop = ("trap", 13, None, "io", None, 0)     # #GP with error code 0
        self._fault_eip = uc.reg_read(UC_X86_REG_EIP)      # the in/out itself
        uc.emu_stop()

    def _on_in(self, uc, port, size, user_data):
        self._io_fault(uc)
        return uc.reg_read(UC_X86_REG_EAX)                # leave eax as it was: the insn never ran

    def _on_out(self, uc, port, size, value, user_data):
        self._io_fault(uc)

    def _on_unmapped(self, uc, access, address, size, value, user_data):
        kind = {UC_MEM_WRITE_UNMAPPED: "write", UC_MEM_FETCH_UNMAPPED: "fetch"}.get(access, "read")
        self._stop = ("fault", 14, address, kind)
        return False

    def _switch_ring(self, ring: int) -> None:
        """Put the CPU at `ring` (1 or 3) keeping every register but the segments, as the Switcher's
        iret does when the Host resumes the Guest in another ring (set_guest_interrupt from user mode)."""
        if ring not in self.rings:
            raise UcError(UC_ERR_EXCEPTION)
        keep = self.regs.snapshot()
        self.uc.context_restore(self.rings[ring])
        for name in ("eax", "ebx", "ecx", "edx", "esi", "edi", "esp", "ebp", "eip", "eflags"):
            self.uc.reg_write(REGISTER_IDS[name], keep[name])
        for name in ("ds", "es"):
            try:
                self.uc.reg_write(REGISTER_IDS[name], keep[name])
            except UcError:
                pass                                # not loadable at this ring: keep the ring's default

    # -- memory seen from outside the CPU (the Host, scenarios, actions) -------------------------------
    def read(self, address: int, size: int) -> bytes:
        return self.ram.read(address, size)

    def write(self, address: int, data: bytes) -> None:
        """A store from outside the CPU. It goes straight into the RAM buffer, so Unicorn never sees it:
        drop any translation of those bytes, in data pages too (a Guest may run bytes it placed in
        lguest_data, and the Host's own writes must be seen by the next fetch)."""
        phys = self.ram.write(address, data)
        self.forget_code(phys, len(data))

    def forget_code(self, phys: int, size: int) -> None:
        """Drop translated blocks over bytes that changed, under both aliases (Unicorn sees two RAM blocks)."""
        for base in (phys, phys + PAGE_OFFSET):
            self.uc.ctl_remove_cache(base, base + size)

    # -- resetting --------------------------------------------------------------------------------------
    def restore(self, context, pages: dict[int, bytes]) -> None:
        """Registers from `context` (or the ring-1 baseline), memory = pristine image + `pages`."""
        self.uc.context_restore(context if context is not None else self.baseline)
        for index in self.ram.restore(pages):
            self.forget_code(index << PAGE_SHIFT, PAGE_SIZE)
        self.log.clear()
        self.log.take_pages()       # none are left: every run hands its pages to the RAM when it ends
        self._stop = None

    # -- running ----------------------------------------------------------------------------------------
    def _set_exits(self, stops: frozenset[int]) -> None:
        wanted = stops or frozenset({NEVER})
        if wanted == self._exits:
            return
        self.uc.ctl_set_exits(sorted(wanted))
        for address in self._exits ^ wanted:           # exits are compiled into translated blocks
            self.uc.ctl_remove_cache(address, address + 1)
        self._exits = wanted

    def _go(self, count: int, stops: frozenset[int]) -> tuple | None:
        """emu_start for at most `count` instructions; the stop reason, or None if all of them ran."""
        self._stop = None
        first = len(self.log)
        self.log.start_counting()
        try:
            self.uc.emu_start(self.regs.eip_raw(), NEVER, count=count)
        except UcError as exc:
            if self._stop is None:
                self._stop = ("fault", None, None, None, str(exc))
        if self._fault_eip is not None:
            self.uc.reg_write(UC_X86_REG_EIP, self._fault_eip)
            self._fault_eip = None
        self._after_stores(first)
        if self._stop is not None:
            return self._stop
        if self.regs.eip_raw() in stops:
            return ("stop", None, None, None)
        return None

    def _after_stores(self, first: int) -> None:
        """After a run: its stores' pages are dirty, and stores into code drop that code's translation."""
        if self.log.failed:
            raise MemoryError(f"the guest write log is incomplete (reason {self.log.failed})")
        pages = self.log.take_pages()
        if not pages:
            return
        self.ram.mark_pages(pages)
        if not self.ram.exec_pages.isdisjoint(pages):
            self._forget_stored_code(first)

    def _forget_stored_code(self, first: int) -> None:
        """Self-modifying code: drop the translation of every executable byte stored to since record `first`."""
        for _, address, size, _, _ in self.log.records(first):
            phys = to_phys(address)
            if phys is not None and (phys >> PAGE_SHIFT in self.ram.exec_pages
                                     or phys + size - 1 >> PAGE_SHIFT in self.ram.exec_pages):
                self.forget_code(phys, size)

    def _mark(self) -> tuple:
        return self.uc.context_save(), len(self.log)

    def _rewind(self, mark: tuple) -> None:
        context, nwrites = mark
        self.uc.context_restore(context)
        if self.log.touches_exec(nwrites):
            self._forget_stored_code(nwrites)
        self.log.rewind(nwrites)
        self._stop = None

    def run(self, count: int, stops: frozenset[int] = frozenset()) -> Exit:
        """Run up to `count` (>= 1) instructions, ending before any address in `stops` (other than the
        one we start at) or at the first trap/fault. The executed count is exact.

        Fast path: native emu_starts of up to SLICE instructions with the stops as Unicorn exits (between
        slices the write log is compacted to LOG_KEEP records). Only when a slice ends early do we
        find how far it got: rewind (context + the write log's old values) and re-run. The native code
        hook's count says where to look: run all but the last counted instruction (it must not stop),
        then one or two single steps (one must). Without a count, or if it misled, single-step a little,
        then bisect. Guest execution is deterministic, so every re-run takes the same path; the count
        returned is the re-run's, never the hint's."""
        done = 0
        start = self.regs.eip_raw()
        if count == 1 or start in stops:
            self._set_exits(stops - {start})         # a Unicorn exit at the start address stops at once
            reason = self._go(1, stops)
            done = 1
            if reason is not None or count == 1:
                return self._exit(reason, 1)
        self._set_exits(stops)
        while True:
            piece = min(count - done, SLICE)
            mark = self._mark()
            if self._go(piece, stops) is not None:
                return self._find_stop(mark, done, done + piece, stops)
            done += piece
            if done == count:
                return Exit(kind="count", executed=count)
            self.log.compact(LOG_KEEP)

    def _find_stop(self, mark: tuple, done: int, limit: int, stops: frozenset[int]) -> Exit:
        """A run from `mark` (after `done` instructions) stopped before `limit`: rewind and find exactly where."""
        hint = self.log.counted()
        self._rewind(mark)
        if hint is not None:
            quiet = min(hint, limit - done) - 1         # instructions that ran before the one that stopped
            if quiet > 0 and self._go(quiet, stops) is not None:
                self._rewind(mark)                      # the hint was high: search the slow way
            else:
                done += max(quiet, 0)
                for _ in range(2):                      # a count one short (a hook that never ran) costs a step
                    reason = self._go(1, stops)
                    done += 1
                    if reason is not None:
                        return self._exit(reason, done)
        first = done
        while done < min(first + SINGLE_STEPS, limit):
            reason = self._go(1, stops)
            done += 1
            if reason is not None:
                return self._exit(reason, done)
        # Bisect over (lo, hi]: running to lo does not stop, running to hi does.
        lo, hi = done, limit
        mark = self._mark()
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._go(mid - lo, stops) is None:
                lo, mark = mid, self._mark()
            else:
                hi = mid
                self._rewind(mark)
        return self._exit(self._go(1, stops), hi)

    def _exit(self, reason: tuple | None, executed: int) -> Exit:
        if reason is None:
            return Exit(kind="count", executed=executed)
        kind, vector, address, access, *more = reason
        return Exit(kind=kind, executed=executed, vector=vector, address=address, access=access,
                    error=more[0] if more else None, errcode=more[1] if len(more) > 1 else None)

    @property
    def eip(self) -> int:
        return self.regs.eip_raw()
