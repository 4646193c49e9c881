"""Owns the LHCALL dispatch table, the async ring and do_hypercalls() (hypercalls.c, x86/core.c).
Must not deliver interrupts (interrupts.py) and never writes eax: no 2.6.31 handler does.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable

from . import constants as c
from . import clock
from .descriptors import guest_load_tls, guest_set_stack, load_guest_gdt_entry, load_guest_idt_entry
from .events import HostEvent, HypercallEvent
from .guest_view import GuestMemoryFault, GuestView, reg
from .initialize import initialize
from .kformat import li
from .lguest_data import LguestData
from .state import DEAD_RESTART, Host
from .trace import Trace


@dataclass(frozen=True)
class Call:
    trace: Trace
    guest: GuestView
    args: tuple[int, ...]                     # struct hcall_args: arg0 (number) .. arg4

    @property
    def host(self) -> Host:
        return self.trace.host


HYPERCALLS: dict[int, Callable[[Call], str]] = {}
CHAPTERS: dict[int, tuple[str, ...]] = {}


def hypercall(number: int, *chapters: str):
    def register(fn: Callable[[Call], str]) -> Callable[[Call], str]:
        HYPERCALLS[number], CHAPTERS[number] = fn, chapters or ("H:120",)
        return fn
    return register


@hypercall(c.LHCALL_FLUSH_ASYNC)
def flush_async(call: Call) -> str:
    """do_hcall FLUSH_ASYNC: nothing; trapping already made the Host drain the async ring."""
    return "nothing more: trapping into the Host already ran the async hypercall ring"


@hypercall(c.LHCALL_LGUEST_INIT, "G:020", "H:120")
def lguest_init_again(call: Call) -> str:
    """do_hcall LGUEST_INIT: only valid as the first hypercall (initialize.py handles that one)."""
    call.trace.kill("already have lguest_data")
    return "refused: lguest_data is already registered"


@hypercall(c.LHCALL_SHUTDOWN)
def shutdown(call: Call) -> str:
    """do_hcall SHUTDOWN: read a 128-byte message at guest-physical a1 and kill with "CRASH: <msg>"."""
    raw = bytearray(call.trace.lgread(call.guest, call.args[1], c.SHUTDOWN_MSG_LEN, "shutdown message"))
    raw[-1] = 0
    msg = bytes(raw).split(b"\0", 1)[0].decode("latin-1")
    call.trace.kill(f"CRASH: {msg}")
    if call.args[2] == c.LGUEST_SHUTDOWN_RESTART:
        # lg->dead = ERR_PTR(-ERESTART), whatever it held: run_guest() returns -ERESTART and the
        # Launcher starts the Guest again; the CRASH message is dropped.
        call.host.restart = True
        call.host.dead = DEAD_RESTART
        return (f"the Guest asked to restart with the message {msg!r}: lg->dead = ERR_PTR(-ERESTART), so the "
                "Launcher restarts it")
    return f"the Guest asked to shut down (power off) with the message {msg!r}"


@hypercall(c.LHCALL_NEW_PGTABLE)
def new_pgtable(call: Call) -> str:
    """guest_new_pagetable(): switch the Guest to another top-level page table (its cr3)."""
    call.host.pgdir = call.args[1]
    call.host.pagetables = call.host.pagetables.new_pgtable(call.args[1])
    return f"the Guest now runs on the page directory at guest-physical {call.args[1]:#x}"


@hypercall(c.LHCALL_FLUSH_TLB)
def flush_tlb(call: Call) -> str:
    """do_hcall FLUSH_TLB: guest_pagetable_clear_all() or guest_pagetable_flush_user()."""
    call.host.pagetables = call.host.pagetables.flush(bool(call.args[1]))
    if call.args[1]:
        return "every shadow page table dropped (guest_pagetable_clear_all)"
    return "shadow mappings below kernel_address dropped (guest_pagetable_flush_user)"


@hypercall(c.LHCALL_LOAD_IDT_ENTRY, "H:122")
def load_idt_entry(call: Call) -> str:
    """lguest_arch_do_hcall LOAD_IDT_ENTRY → load_guest_idt_entry(a1 vector, a2 lo, a3 hi)."""
    return load_guest_idt_entry(call.trace, *call.args[1:4])


@hypercall(c.LHCALL_SET_STACK)
def set_stack(call: Call) -> str:
    """guest_set_stack(a1 ss, a2 esp, a3 pages)."""
    return guest_set_stack(call.trace, *call.args[1:4])


@hypercall(c.LHCALL_TS)
def ts(call: Call) -> str:
    """do_hcall TS: cpu->ts = a1 (the Guest's cr0.TS, for lazy FPU switching)."""
    call.host.ts = call.args[1]
    return f"cr0.TS for the Guest is now {call.args[1]}"


@hypercall(c.LHCALL_SET_CLOCKEVENT)
def set_clockevent(call: Call) -> str:
    """guest_set_clockevent(): arm (a1 ns) or cancel (0) the hrtimer that raises irq 0, on the
    virtual clock (clock.py: one instruction = 1 ns)."""
    call.host.clockevent_ns = call.args[1]
    call.host.timer, effect = clock.set_clockevent(call.host.timer, call.args[1], call.host.now_ns)
    return effect


@hypercall(c.LHCALL_HALT)
def halt(call: Call) -> str:
    """do_hcall HALT: cpu->halted = 1; run_guest() sleeps until an interrupt is pending."""
    call.host.halted = True
    return "the Guest halts until an interrupt can be delivered"


@hypercall(c.LHCALL_SET_PTE)
def set_pte(call: Call) -> str:
    """guest_set_pte(): shadow page tables are not modelled (the guest machine maps memory itself)."""
    pgdir, vaddr, pte = call.args[1:4]
    call.host.pagetables = call.host.pagetables.set_pte(pgdir, vaddr, pte)
    return f"page table {pgdir:#x}: entry for {vaddr:#x} set to {pte:#x} (the Host refreshes its shadow)"


@hypercall(c.LHCALL_SET_PGD)
def set_pgd(call: Call) -> str:
    """guest_set_pgd(): drop one shadow top-level entry; the Switcher's slot is ignored."""
    call.host.pagetables = call.host.pagetables.set_pgd(call.args[1], call.args[2])
    if call.args[2] >= c.SWITCHER_PGD_INDEX:
        return f"ignored: top-level index {call.args[2]} belongs to the Switcher"
    return f"page directory {call.args[1]:#x}: shadow of top-level entry {call.args[2]} dropped"


@hypercall(c.LHCALL_LOAD_TLS, "H:122")
def load_tls(call: Call) -> str:
    """lguest_arch_do_hcall LOAD_TLS → guest_load_tls(a1)."""
    return guest_load_tls(call.trace, call.guest, call.args[1])


@hypercall(c.LHCALL_NOTIFY)
def notify(call: Call) -> str:
    """do_hcall NOTIFY: cpu->pending_notify = a1; run_guest() then returns to the Launcher."""
    call.host.pending_notify = call.args[1]
    return f"notify the Launcher about {call.args[1]:#x}"


@hypercall(c.LHCALL_LOAD_GDT_ENTRY, "H:122")
def load_gdt_entry(call: Call) -> str:
    """lguest_arch_do_hcall LOAD_GDT_ENTRY → load_guest_gdt_entry(a1 index, a2 lo, a3 hi)."""
    return load_guest_gdt_entry(call.trace, *call.args[1:4])


@hypercall(c.LHCALL_SEND_INTERRUPTS, "G:033", "H:120")
def send_interrupts(call: Call) -> str:
    """do_hcall SEND_INTERRUPTS: nothing; leaving the Guest makes run_guest() check for interrupts."""
    return "nothing itself: before re-entering the Guest the Host checks for an interrupt to deliver"


def _event(trace: Trace, args: tuple[int, ...], effect: str, chapters: tuple[str, ...],
           source: str = "sync", slot: int | None = None) -> list[HostEvent]:
    ev = HypercallEvent(args[0], c.LHCALL_NAMES.get(args[0]), tuple(args[1:5]), effect, chapters, source, slot,
                        tuple(trace.reads), tuple(trace.writes))
    return [ev, *trace.kills]


def _perform(trace: Trace, guest: GuestView, args: tuple[int, ...]) -> tuple[str, tuple[str, ...]]:
    """do_hcall(): the table, then "Bad hypercall" for anything lguest_arch_do_hcall() refuses."""
    handler = HYPERCALLS.get(args[0])
    if handler is not None:
        return handler(Call(trace, guest, args)), CHAPTERS[args[0]]
    trace.kill(f"Bad hypercall {li(args[0])}\n")
    if args[0] == c.LHCALL_SET_PMD:
        return "refused: LHCALL_SET_PMD exists only in a PAE Host, and this one is not PAE", ("H:120",)
    return f"refused: {li(args[0])} is not a 2.6.31 hypercall", ("H:120",)


def do_hcall(host: Host, guest: GuestView, args: tuple[int, ...]) -> list[HostEvent]:
    """One synchronous hypercall; returns its HypercallEvent followed by any KilledEvents."""
    trace = Trace(host)
    effect, chapters = _perform(trace, guest, args)
    return _event(trace, args, effect, chapters)


def do_async_hcalls(host: Host, guest: GuestView) -> list[HostEvent]:
    """do_async_hcalls(): from the cursor next_hcall, run ready slots (status != 0xFF) in ring order,
    marking each done (0xFF); stop at a free slot, after 64, or once a NOTIFY is pending."""
    if host.lguest_data_addr is None:           # no ring before LHCALL_LGUEST_INIT
        return []
    base = LguestData(guest, host.lguest_data_addr)
    try:
        status = guest.read(base.address_of("hcall_status[0]"), c.LHCALL_RING_SIZE)   # one copy, like st[]
    except GuestMemoryFault:
        return []
    events: list[HostEvent] = []
    for _ in range(c.LHCALL_RING_SIZE):
        n = host.next_hcall
        if status[n] == c.HCALL_STATUS_FREE:
            break
        host.next_hcall = (n + 1) % c.LHCALL_RING_SIZE
        trace = Trace(host)
        ld = LguestData(guest, host.lguest_data_addr, trace)
        try:
            args = tuple(ld.read(f"hcalls[{n}].arg{i}") for i in range(5))
        except GuestMemoryFault:
            trace.kill("Fetching async hypercalls")
            events += trace.kills
            break
        effect, chapters = _perform(trace, guest, args)
        try:
            ld.write(f"hcall_status[{n}]", c.HCALL_STATUS_FREE)
        except GuestMemoryFault:
            trace.kill("Writing result for async hypercall")
            events += _event(trace, args, effect, ("H:124",) + chapters, "async", n)
            break
        events += _event(trace, args, effect, ("H:124",) + chapters, "async", n)
        if host.pending_notify:
            break
    return events


def do_hypercalls(host: Host, guest: GuestView) -> list[HostEvent]:
    """do_hypercalls(): the trapped call's arguments are eax, ebx, ecx, edx, esi (struct hcall_args
    laid over struct lguest_regs). Before INIT only initialize() runs; after it, the async ring runs
    first and the synchronous call is skipped if the ring raised a NOTIFY (it stays pending)."""
    args = tuple(reg(guest, r) for r in ("eax", "ebx", "ecx", "edx", "esi"))
    if host.lguest_data_addr is None:
        trace = Trace(host)
        effect = initialize(trace, guest, args)
        host.hcall_pending = False
        chapters = ("G:020", "H:100", "H:126") if args[0] == c.LHCALL_LGUEST_INIT else ("H:100",)
        return _event(trace, args, effect, chapters)
    events = do_async_hcalls(host, guest)
    if not host.pending_notify:
        events += do_hcall(host, guest, args)
        host.hcall_pending = False
    return events
