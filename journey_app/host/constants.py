"""Owns every number the 2.6.31 Host model uses, each with the kernel source it comes from.
Must not hold logic or touch the guest; other host modules import from here and never hard-code.
"""

from __future__ import annotations

# --- Memory layout ---------------------------------------------------------------------------
# arch/x86/include/asm/page_types.h: __PAGE_OFFSET (CONFIG_VMSPLIT_3G). The Guest is linked at
# PAGE_OFFSET + 1 MiB; the Host's boot page tables map guest-physical P at both P and P+PAGE_OFFSET
# (page_tables.c setup_pagetables), so the Host reaches a guest-physical address through GuestView
# at P + PAGE_OFFSET. The real Host uses mem_base + P instead; our mem_base is 0.
PAGE_OFFSET = 0xC0000000
PAGE_SIZE = 4096                      # asm/page_types.h
PGDIR_SHIFT = 22                      # non-PAE i386: pgd_index(a) = a >> 22
PTRS_PER_PGD = 1024
SWITCHER_PGD_INDEX = PTRS_PER_PGD - 1  # page_tables.c: the Switcher owns the top PGD slot
SWITCHER_ADDR = 0xFFC00000            # asm/lguest.h, non-PAE
# x86/core.c lguest_pages(cpu): after the one page of Switcher text (SHARED_SWITCHER_PAGES), two pages per
# CPU. The model has one CPU, so cpu->last_pages is always CPU 0's pair once the Guest has run.
LGUEST_PAGES_CPU0 = SWITCHER_ADDR + PAGE_SIZE
RESERVE_MEM = 4 * 1024 * 1024         # page_tables.c RESERVE_MEM (4U MiB, non-PAE) → lguest_data.reserve_mem
DEFAULT_GUEST_MEM = 16 * 1024 * 1024  # size of the explorer's guest machine (guest/ maps 16 MiB)

# --- Hypercalls (arch/x86/include/asm/lguest_hcall.h at 2.6.31) -------------------------------
LHCALL_FLUSH_ASYNC = 0
LHCALL_LGUEST_INIT = 1
LHCALL_SHUTDOWN = 2
LHCALL_NEW_PGTABLE = 4
LHCALL_FLUSH_TLB = 5
LHCALL_LOAD_IDT_ENTRY = 6
LHCALL_SET_STACK = 7
LHCALL_TS = 8
LHCALL_SET_CLOCKEVENT = 9
LHCALL_HALT = 10
LHCALL_SET_PMD = 13          # only compiled into a PAE Host; ours is non-PAE, so 13 is "Bad hypercall"
LHCALL_SET_PTE = 14
LHCALL_SET_PGD = 15
LHCALL_LOAD_TLS = 16
LHCALL_NOTIFY = 17
LHCALL_LOAD_GDT_ENTRY = 18
LHCALL_SEND_INTERRUPTS = 19

LHCALL_NAMES: dict[int, str] = {
    LHCALL_FLUSH_ASYNC: "LHCALL_FLUSH_ASYNC",
    LHCALL_LGUEST_INIT: "LHCALL_LGUEST_INIT",
    LHCALL_SHUTDOWN: "LHCALL_SHUTDOWN",
    LHCALL_NEW_PGTABLE: "LHCALL_NEW_PGTABLE",
    LHCALL_FLUSH_TLB: "LHCALL_FLUSH_TLB",
    LHCALL_LOAD_IDT_ENTRY: "LHCALL_LOAD_IDT_ENTRY",
    LHCALL_SET_STACK: "LHCALL_SET_STACK",
    LHCALL_TS: "LHCALL_TS",
    LHCALL_SET_CLOCKEVENT: "LHCALL_SET_CLOCKEVENT",
    LHCALL_HALT: "LHCALL_HALT",
    LHCALL_SET_PMD: "LHCALL_SET_PMD",
    LHCALL_SET_PTE: "LHCALL_SET_PTE",
    LHCALL_SET_PGD: "LHCALL_SET_PGD",
    LHCALL_LOAD_TLS: "LHCALL_LOAD_TLS",
    LHCALL_NOTIFY: "LHCALL_NOTIFY",
    LHCALL_LOAD_GDT_ENTRY: "LHCALL_LOAD_GDT_ENTRY",
    LHCALL_SEND_INTERRUPTS: "LHCALL_SEND_INTERRUPTS",
}

LGUEST_TRAP_ENTRY = 0x1F          # asm/lguest_hcall.h: int $0x1f is the hypercall trap
LGUEST_SHUTDOWN_POWEROFF = 1      # asm/lguest_hcall.h
LGUEST_SHUTDOWN_RESTART = 2
LHCALL_RING_SIZE = 64             # asm/lguest_hcall.h: async hypercall ring slots
HCALL_STATUS_FREE = 0xFF          # boot.c / hypercalls.c: 0xFF = slot free or done, 0 = ready
KVM_HYPERCALL = bytes([0x0F, 0x01, 0xC1])        # asm/kvm_para.h: vmcall
REWRITTEN_HYPERCALL = bytes([0xCD, 0x1F, 0x90])  # x86/core.c rewrite_hypercall: int $0x1f; nop
SHUTDOWN_MSG_LEN = 128            # hypercalls.c do_hcall LHCALL_SHUTDOWN: char msg[128]

# --- Interrupts (asm/lguest_hcall.h, asm/irq_vectors.h, asm/processor-flags.h) ----------------
LGUEST_IRQS = 32                  # NR_IRQS < 32 ? NR_IRQS : 32 with X86_IO_APIC; the bitmap is one u32
FIRST_EXTERNAL_VECTOR = 0x20      # asm/irq_vectors.h: irq n arrives on vector 0x20 + n
SYSCALL_VECTOR = 0x80             # asm/irq_vectors.h; interrupts_and_traps.c could_be_syscall
X86_EFLAGS_IF = 0x200             # asm/processor-flags.h; also the "enabled" value of irq_enabled
IDT_ENTRIES = 256                 # asm/desc_defs.h; size of lg_cpu_arch.idt
IDT_PRESENT = 0x8000              # interrupts_and_traps.c idt_present(): hi & 0x8000
IDT_TYPE_INTERRUPT_GATE = 0xE     # idt_type() == 0xE: delivery also clears irq_enabled
IDT_TYPE_TRAP_GATE = 0xF
IDT_HI_MASK = 0xFFFFEF00          # set_trap(): keep all of hi except bit 12 and the low byte
# load_guest_idt_entry(): vectors the Guest may not override (NMI, double fault, reserved 15,
# and the hypercall trap itself); the call is silently ignored.
IGNORED_IDT_VECTORS = (2, 8, 15, LGUEST_TRAP_ENTRY)
# interrupts_and_traps.c has_err(): traps whose frame carries an error code.
TRAPS_WITH_ERRCODE = (8, 10, 11, 12, 13, 14, 17)

# --- Segments (asm/segment.h, asm/lguest.h, segments.c) ----------------------------------------
GUEST_PL = 1                      # asm/lguest.h: the Guest kernel runs at privilege level 1
KERNEL_CS = 12 * 8                # __KERNEL_CS = 0x60
KERNEL_DS = 13 * 8                # __KERNEL_DS = 0x68
GUEST_KERNEL_CS = KERNEL_CS | GUEST_PL   # 0x61: cs of every delivered interrupt
GUEST_KERNEL_DS = KERNEL_DS | GUEST_PL   # 0x69: ss/ds/es the Guest starts with
GDT_ENTRIES = 32                  # asm/segment.h
GDT_ENTRY_TLS_MIN = 6
GDT_ENTRY_TLS_ENTRIES = 3
GDT_ENTRY_TSS = 16
GDT_ENTRY_LGUEST_CS = 10          # asm/lguest.h: the Switcher's segments
GDT_ENTRY_LGUEST_DS = 11
GDT_ENTRY_DOUBLEFAULT_TSS = 31
IGNORED_GDT_ENTRIES = (GDT_ENTRY_TSS, GDT_ENTRY_LGUEST_CS, GDT_ENTRY_LGUEST_DS, GDT_ENTRY_DOUBLEFAULT_TSS)
MAX_STACK_PAGES = 2               # interrupts_and_traps.c guest_set_stack(): "bad stack pages"

# --- Deterministic stand-ins for what the real Host reads from its own hardware ---------------
# The real write_timestamp() copies ktime_get_real_ts() and tsc_khz comes from the Host CPU.
# A replay must produce the same events byte for byte (share links, step back, grading), so the
# model uses a fixed epoch and advances a counter instead of reading the wall clock.
MODEL_EPOCH_SEC = 1252454400      # 2009-09-09 00:00:00 UTC, the day Linux 2.6.31 was released
MODEL_TIMESTAMP_STEP_NS = 1_000_000   # each write_timestamp() is 1 ms after the previous one
MODEL_TSC_KHZ = 2_000_000         # a constant, stable 2 GHz TSC (x86/core.c writes 0 if unstable)
# Where the model's Launcher mmap()ed guest memory (lg->mem_base). The model reaches guest memory
# through GuestView, so this shows only where the kernel prints a guest pointer with %p
# ("bad guest page %p" prints mem_base + the lguest_data address). Never 0, as no real mmap is, so a
# Guest registering lguest_data at guest-physical 0 still has lguest_data != NULL.
LAUNCHER_MEM_BASE = 0xB7000000
