"""Owns core.c run_guest()'s loop body after a Guest exit (hypercalls, notify, decision, sleep) and raise_irq().
Must not run guest code: the guest machine does that and calls in here after each exit.
"""

from __future__ import annotations

from ..errors import BadInput
from .constants import LGUEST_IRQS, LHCALL_RING_SIZE
from .decision import Decision
from .events import HaltedEvent, HostEvent, NotifyEvent
from .guest_view import GuestView
from .hypercalls import do_hypercalls
from .interrupts import decide, interrupt_pending
from .state import Host

HostOutput = HostEvent | Decision


def raise_irq(host: Host, irq: int) -> None:
    """set_interrupt(): mark irq pending (the clock hrtimer or the Launcher's LHREQ_IRQ would). Nothing is
    delivered until the Host next looks (after a hypercall, or a host_check)."""
    if isinstance(irq, bool) or not isinstance(irq, int) or not 0 <= irq < LGUEST_IRQS:
        raise BadInput(f"irq must be an integer from 0 to {LGUEST_IRQS - 1}, not {irq!r}")
    host.irqs_pending |= 1 << irq


def host_loop_after_exit(host: Host, guest: GuestView, hcall_pending: bool) -> list[HostOutput]:
    """One pass of run_guest() after the Guest exited; `hcall_pending` says the exit was a hypercall
    (trap 0x1F, i.e. cpu->hcall was set).

    Order (core.c run_guest): a dead Guest is left alone; hypercalls; a pending NOTIFY goes to the
    Launcher (not modelled: it is reported and cleared as lguest_user.c read() does on re-entry, and the
    loop starts again, finishing a hypercall the ring's NOTIFY held back); then interrupt_pending /
    try_deliver_interrupt, reported as a Decision even when nothing is pending. Like the kernel this
    still runs after a kill in the same pass; the dead check comes after it. Finally a halted Guest with
    nothing pending sleeps.
    """
    host.hcall_pending = host.hcall_pending or hcall_pending
    out: list[HostOutput] = []
    for _ in range(LHCALL_RING_SIZE + 2):        # each NOTIFY round consumes a ring slot, so this ends
        if host.dead is not None:
            return out
        if host.hcall_pending:
            out += do_hypercalls(host, guest)
        if host.pending_notify:
            out.append(NotifyEvent(host.pending_notify, f"NOTIFY {host.pending_notify:#x}: the Host returns to "
                                   "the Launcher, which services the device and runs the Guest again"))
            host.pending_notify = 0
            continue
        out.append(decide(host, guest))
        if host.dead is None and host.halted and not interrupt_pending(host, guest).found:
            out.append(HaltedEvent("the Guest is halted and no interrupt is pending: the Host sleeps until "
                                   "one is raised"))
        return out
    return out


def host_check(host: Host, guest: GuestView) -> list[HostOutput]:
    """The same pass without a hypercall: a host-side event (timer, Launcher) while the Guest is here."""
    return host_loop_after_exit(host, guest, hcall_pending=False)
