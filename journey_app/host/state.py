"""Owns `Host`, the host-private state of one Guest (struct lguest + lg_cpu), kill(), the model clock, copy().
Must not touch guest memory: this is what the Guest cannot see.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from .clock import VirtualTimer
from .pagetables import PageTables
from .constants import (
    DEFAULT_GUEST_MEM, GUEST_PL, MODEL_EPOCH_SEC, MODEL_TIMESTAMP_STEP_NS, MODEL_TSC_KHZ, PAGE_OFFSET, PAGE_SIZE,
)

# lg->dead after SHUTDOWN(LGUEST_SHUTDOWN_RESTART): an error pointer, not a message (hypercalls.c do_hcall).
DEAD_RESTART = "ERR_PTR(-ERESTART)"


@dataclass
class Host:
    """Host-private state. Field comments name the kernel field each one models."""

    mem_size: int = DEFAULT_GUEST_MEM     # lg->pfn_limit * PAGE_SIZE: how much guest-physical memory exists
    # Which RPL counts as "the Guest kernel" in the ring checks ((cs & 3) == GUEST_PL in is_hypercall,
    # (ss & 3) != GUEST_PL in set_guest_interrupt). The real Guest runs at 1; a guest machine that runs
    # the kernel at CPL 0 (no ring compression in the emulator) sets 0 so those checks still mean
    # "kernel mode". Pushed/stored selectors always use the real GUEST_PL (0x61/0x69).
    guest_pl: int = GUEST_PL
    lguest_data_addr: int | None = None   # lg->lguest_data, as a guest-VIRTUAL address (None before INIT)
    irqs_pending: int = 0                 # cpu->irqs_pending bitmap (LGUEST_IRQS bits, one u32)
    halted: bool = False                  # cpu->halted
    dead: str | None = None               # lg->dead: the first kill_guest() message only
    restart: bool = False                 # lg->dead == ERR_PTR(-ERESTART) after SHUTDOWN(RESTART)
    noirq_start: int = 0                  # lg->noirq_start, copied once at LGUEST_INIT
    noirq_end: int = 0                    # lg->noirq_end
    kernel_address: int = 0               # lg->kernel_address, read at LGUEST_INIT
    idt: dict[int, tuple[int, int]] = field(default_factory=dict)   # cpu->arch.idt as set_trap() stored it
    # cpu->arch.gdt: segments.c setup_guest_gdt() starts with flat __KERNEL_CS/__KERNEL_DS at DPL 1
    # (FULL_EXEC_SEGMENT / FULL_SEGMENT | GUEST_PL << 13); LOAD_GDT_ENTRY and LOAD_TLS add the rest.
    gdt: dict[int, tuple[int, int]] = field(default_factory=lambda: {12: (0x0000FFFF, 0x00CFBB00),
                                                                      13: (0x0000FFFF, 0x00CFB300)})
    next_hcall: int = 0                   # cpu->next_hcall: async ring cursor
    pending_notify: int = 0               # cpu->pending_notify (NOTIFY address, 0 = none)
    hcall_pending: bool = False           # cpu->hcall != NULL: a trapped hypercall not yet done
    ss1: int = 0                          # cpu->ss1, cpu->esp1, lg->stack_pages from SET_STACK
    esp1: int = 0
    stack_pages: int = 0
    ts: int = 0                           # cpu->ts (LHCALL_TS)
    clockevent_ns: int = 0                # last SET_CLOCKEVENT delta; 0 = no timer armed
    pgdir: int | None = None              # guest-physical top-level page table the Guest runs on (cr3)
    # The clock event's hrtimer and the Host's view of the Guest's page tables (clock.py, pagetables.py).
    timer: VirtualTimer = field(default_factory=VirtualTimer)
    now_ns: int = 0                       # virtual time when the Host last looked (the runner sets it)
    idle_ns: int = 0                      # virtual time spent halted (added to the instruction clock)
    pagetables: PageTables = field(default_factory=PageTables)
    tsc_khz: int = MODEL_TSC_KHZ          # what INIT writes into lguest_data.tsc_khz
    timestamps: int = 0                   # how many times write_timestamp() has run (the model clock)
    # Not a kernel field: whether raise_irq kicks the Guest (set_interrupt()'s wake_up_process /
    # kick_process, so the Host looks at once: the kernel's behaviour) or leaves the irq waiting for
    # the next exit (a teaching control).
    kick: bool = True

    # --- kill_guest() (lg.h macro over core.c): only the first reason is kept ----------------------
    def kill(self, message: str) -> bool:
        """Record a kill; returns True when this message became the reason (the Guest was alive)."""
        if self.dead is not None:
            return False
        self.dead = message
        return True

    # --- derived values --------------------------------------------------------------------------
    @property
    def lguest_data_phys(self) -> int | None:
        return None if self.lguest_data_addr is None else self.lguest_data_addr - PAGE_OFFSET

    @property
    def boot_pgdir(self) -> int:
        """page_tables.c setup_pagetables(): the boot page directory sits in the top page of guest
        memory (below the initrd; the explorer has none), so 0x00FFF000 for 16 MiB. The guest machine
        already maps memory at both 0 and PAGE_OFFSET, so the model does not write the tables there."""
        return self.mem_size - PAGE_SIZE

    def next_timestamp(self) -> tuple[int, int]:
        """The model clock behind write_timestamp(): fixed epoch + 1 ms per timestamp written.

        Never the wall clock: replaying a run must give identical events and grades."""
        ns = self.timestamps * MODEL_TIMESTAMP_STEP_NS
        self.timestamps += 1
        return MODEL_EPOCH_SEC + ns // 1_000_000_000, ns % 1_000_000_000

    # --- serialisation and checkpoints -------------------------------------------------------------
    def to_json(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name not in ("idt", "gdt", "timer", "pagetables")}
        data["timer"] = self.timer.to_json(self.now_ns)
        data["pagetables"] = self.pagetables.to_json()
        data["idt"] = [{"vector": v, "lo": lo, "hi": hi} for v, (lo, hi) in sorted(self.idt.items())]
        data["gdt"] = [{"index": i, "lo": lo, "hi": hi} for i, (lo, hi) in sorted(self.gdt.items())]
        data["lguest_data_phys"] = self.lguest_data_phys
        return data

    def copy(self) -> Host:
        """A checkpoint: every field is immutable except the two tables, which are copied."""
        return dataclasses.replace(self, idt=dict(self.idt), gdt=dict(self.gdt))
