"""Owns LHCALL_LGUEST_INIT (hypercalls.c initialize() and the calls it makes, in order) and write_timestamp().
Must not handle any other hypercall.
"""

from __future__ import annotations

from .constants import (
    LAUNCHER_MEM_BASE, LHCALL_LGUEST_INIT, LHCALL_NAMES, PGDIR_SHIFT, RESERVE_MEM, SWITCHER_PGD_INDEX, SYSCALL_VECTOR,
)
from .guest_view import GuestMemoryFault, GuestView, lguest_address_ok, phys_to_virt
from .kformat import hash_lx, li, pointer
from .lguest_data import LGUEST_DATA_SIZE, LguestData
from .trace import Trace


def write_timestamp(trace: Trace, ld: LguestData) -> tuple[int, int]:
    """write_timestamp(): copy "now" into lguest_data.time; the model clock stands in for ktime."""
    sec, nsec = trace.host.next_timestamp()
    try:
        ld.write("time.tv_sec", sec)
        ld.write("time.tv_nsec", nsec)
    except GuestMemoryFault:
        trace.kill("Writing timestamp")
    return sec, nsec


def initialize(trace: Trace, guest: GuestView, args: tuple[int, ...]) -> str:
    """initialize(): only LHCALL_LGUEST_INIT may come first; it registers lguest_data (a1 = guest-physical).

    Like the kernel, a kill does not stop the sequence: kill_guest() only records the reason, and
    later steps run on (their own failures add kills that are dropped because the first one is kept).
    """
    host = trace.host
    if args[0] != LHCALL_LGUEST_INIT:
        trace.kill(f"hypercall {li(args[0])} before INIT")
        name = LHCALL_NAMES.get(args[0], f"hypercall {args[0]}")
        return f"refused: {name} came before LHCALL_LGUEST_INIT, which must be the Guest's first hypercall"

    # lguest_arch_init_hypercalls(): the address check happens before lguest_data is set, so on failure
    # the kernel prints a NULL pointer and lguest_data stays unset (every later access faults).
    paddr = args[1]
    if not lguest_address_ok(host.mem_size, paddr, LGUEST_DATA_SIZE):
        trace.kill(f"bad guest page {pointer(None)}")
        # initialize() goes on with lguest_data NULL: every get_user/put_user faults (their kills are
        # dropped), and a faulting get_user zeroes its destination: noirq_start (the || skips
        # noirq_end) and kernel_address. The clock is read for the timestamp that cannot be written.
        host.noirq_start = 0
        host.next_timestamp()
        trace.kill("Writing timestamp")
        host.kernel_address = 0
        return f"refused: lguest_data at guest-physical {paddr:#x} does not fit in guest memory"
    host.lguest_data_addr = phys_to_virt(paddr)
    ld = LguestData(guest, host.lguest_data_addr, trace)
    bad_page = f"bad guest page {pointer(LAUNCHER_MEM_BASE + paddr)}"     # %p of cpu->lg->lguest_data
    try:
        ld.write("tsc_khz", host.tsc_khz)
    except GuestMemoryFault:
        trace.kill(bad_page)
    else:
        try:
            vector = ld.read("syscall_vec")
        except GuestMemoryFault:
            vector = None
        if vector != SYSCALL_VECTOR:                    # check_syscall_vector(): 0x80 (the module
            trace.kill("bad syscall vector")            # parameter syscall_vector is not modelled)

    # The no-interrupt window is read once, here: later changes by the Guest are never seen.
    try:
        host.noirq_start = ld.read("noirq_start")
        host.noirq_end = ld.read("noirq_end")
    except GuestMemoryFault:
        trace.kill(bad_page)

    write_timestamp(trace, ld)

    # page_table_guest_data_init(): get_user() zeroes its destination when it faults.
    try:
        host.kernel_address = 0
        host.kernel_address = ld.read("kernel_address")
        ld.write("reserve_mem", RESERVE_MEM)
        ld.write("pgdir", host.boot_pgdir)
    except GuestMemoryFault:
        trace.kill(bad_page)
    if host.kernel_address >> PGDIR_SHIFT >= SWITCHER_PGD_INDEX:
        trace.kill(f"bad kernel address {hash_lx(host.kernel_address)}")
    host.pgdir = host.boot_pgdir
    return (f"lguest_data registered at {host.lguest_data_addr:#x} (guest-physical {paddr:#x}); the Host wrote "
            f"tsc_khz, time, reserve_mem = {RESERVE_MEM:#x} and pgdir = {host.boot_pgdir:#x}, and copied the "
            f"no-interrupt window {host.noirq_start:#x}..{host.noirq_end:#x}")
