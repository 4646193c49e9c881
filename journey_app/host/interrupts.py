"""Owns interrupt_pending()/try_deliver_interrupt() as decide(): the 2.6.31 rule order, each check a Step.
Must not push frames itself (frames.py) or run the host loop (loop.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from .constants import FIRST_EXTERNAL_VECTOR, LGUEST_IRQS, X86_EFLAGS_IF
from .decision import Decision, Input, Step
from .frames import idt_present, set_guest_interrupt
from .guest_view import GuestMemoryFault, GuestView, reg
from .initialize import write_timestamp
from .lguest_data import LguestData
from .state import Host
from .trace import Trace

CHAPTERS = {
    "no_lguest_data": ("G:020", "H:205"), "blocked_unreadable": ("H:205",), "nothing_pending": ("H:205",),
    "blocked": ("H:205",), "noirq_window": ("G:045", "H:205"), "irqs_disabled": ("G:033", "H:205"),
    "idt_not_present": ("H:205",), "deliver": ("M:004", "H:205", "H:210"),
}
OUTCOME = {"noirq_window": "defer", "irqs_disabled": "set_pending", "deliver": "deliver"}


def find_next_bit(bitmap: int, size: int, offset: int) -> int:
    """lib/find_next_bit.c: index of the next set bit at or after `offset`, or `size` if there is none."""
    for bit in range(offset, size):
        if bitmap >> bit & 1:
            return bit
    return size


@dataclass(frozen=True)
class PendingIrq:
    """interrupt_pending()'s answer. irq == LGUEST_IRQS means "none" (as in the kernel); `rule` says why."""

    irq: int
    more: bool
    rule: str | None
    inputs: tuple[Input, ...]
    steps: tuple[Step, ...]

    @property
    def found(self) -> bool:
        return self.irq < LGUEST_IRQS


def interrupt_pending(host: Host, guest: GuestView, trace: Trace | None = None) -> PendingIrq:
    """interrupt_pending(cpu, &more): the lowest pending irq the Guest has not blocked."""
    trace = trace or Trace(host)
    inputs: list[Input] = []
    steps: list[Step] = []

    def none(rule: str, check: str, question: str, detail: str) -> PendingIrq:
        steps.append(Step(check, question, "stop", rule, detail))
        return PendingIrq(LGUEST_IRQS, False, rule, tuple(inputs), tuple(steps))

    q_data = "Has the Guest told the Host where lguest_data is (LHCALL_LGUEST_INIT)?"
    inputs.append(Input("lguest_data", host.lguest_data_addr, "where the Guest registered struct lguest_data"))
    if host.lguest_data_addr is None:
        return none("no_lguest_data", "lguest_data", q_data,
                    "no: before LHCALL_LGUEST_INIT the Host cannot read blocked_interrupts, so nothing is pending")
    steps.append(Step("lguest_data", q_data, "pass", None, f"yes, at {host.lguest_data_addr:#x}"))

    q_pend = "Is any irq pending that the Guest has not blocked (irqs_pending & ~blocked_interrupts)?"
    inputs.append(Input("irqs_pending", host.irqs_pending, "host-private bitmap of raised irqs"))
    try:
        blocked = LguestData(guest, host.lguest_data_addr, trace).read("blocked_interrupts")
    except GuestMemoryFault:
        inputs.append(Input("blocked_interrupts", None, "could not be read"))
        return none("blocked_unreadable", "pending", q_pend,
                    "blocked_interrupts could not be read, so interrupt_pending() returns LGUEST_IRQS (none)")
    inputs.append(Input("blocked_interrupts", blocked, "set bits are irqs the Guest keeps out (bit 0 = timer)"))
    pending = host.irqs_pending & ~blocked & ((1 << LGUEST_IRQS) - 1)
    inputs.append(Input("pending", pending,
                        f"irqs_pending & ~blocked_interrupts = {host.irqs_pending:#x} & ~{blocked:#x}"))
    if not pending:
        if host.irqs_pending:
            return none("blocked", "pending", q_pend,
                        f"no: irqs_pending = {host.irqs_pending:#x} but every pending irq is blocked "
                        f"(blocked_interrupts = {blocked:#x})")
        return none("nothing_pending", "pending", q_pend, "no: irqs_pending is 0")

    irq = (pending & -pending).bit_length() - 1          # find_first_bit()
    nxt = find_next_bit(pending, LGUEST_IRQS, irq + 1)
    more = bool(nxt)                                      # the 2.6.31 code stores the index into a bool
    inputs.append(Input("irq", irq, "lowest set bit of pending (find_first_bit)"))
    if nxt == LGUEST_IRQS:
        why = (f"more = find_next_bit(pending, {LGUEST_IRQS}, {irq + 1}) = {LGUEST_IRQS} → true even though no "
               "other bit is set: find_next_bit returns LGUEST_IRQS when it finds nothing, and that is nonzero, "
               "so 2.6.31 never clears irq_pending after a delivery")
    else:
        why = f"more = find_next_bit(pending, {LGUEST_IRQS}, {irq + 1}) = {nxt} → true (irq {nxt} is also pending)"
    inputs.append(Input("more", more, why))
    steps.append(Step("pending", q_pend, "pass", None, f"yes: irq {irq} (pending = {pending:#x}); {why}"))
    return PendingIrq(irq, more, None, tuple(inputs), tuple(steps))


def try_deliver_interrupt(host: Host, guest: GuestView, pending: PendingIrq, trace: Trace | None = None) -> Decision:
    """try_deliver_interrupt(cpu, irq, more): the rest of the walk, in the kernel's order."""
    if not pending.found:
        raise ValueError("try_deliver_interrupt needs an irq < LGUEST_IRQS (the kernel BUG()s)")
    trace = trace or Trace(host)
    irq, vector = pending.irq, FIRST_EXTERNAL_VECTOR + pending.irq
    inputs, steps = list(pending.inputs), list(pending.steps)
    rules: list[str] = []
    assert host.lguest_data_addr is not None    # interrupt_pending() found an irq, so lguest_data is set
    ld = LguestData(guest, host.lguest_data_addr, trace)

    def decision(rule: str, message: str, frame=None) -> Decision:
        fired = tuple(rules) + ((rule,) if rule not in rules else ())
        return Decision(rule=rule, rules=fired, outcome=OUTCOME.get(rule, "none"), irq=irq, vector=vector,
                        more=pending.more, inputs=tuple(inputs), steps=tuple(steps), writes=tuple(trace.writes),
                        chapters=CHAPTERS[rule], message=message, frame=frame, kills=tuple(trace.kills))

    # 1. G:045: never inject between lguest_noirq_start and lguest_noirq_end (inside lguest_iret).
    eip = reg(guest, "eip")
    inputs += [Input("eip", eip, "where the Guest would be interrupted"),
               Input("noirq_start", host.noirq_start, "copied from lguest_data at LHCALL_LGUEST_INIT"),
               Input("noirq_end", host.noirq_end, "copied from lguest_data at LHCALL_LGUEST_INIT")]
    q = "Is EIP inside the no-interrupt window, noirq_start <= eip < noirq_end?"
    window = f"lguest_noirq_start..lguest_noirq_end ({host.noirq_start:#x}..{host.noirq_end:#x})"
    if host.noirq_start <= eip < host.noirq_end:
        steps.append(Step("noirq_window", q, "stop", "noirq_window", f"yes: {eip:#x} is in {window}; nothing is "
                          "written and the irq stays pending until a later exit outside the window"))
        return decision("noirq_window", f"deferred: EIP {eip:#x} is inside the no-interrupt window {window}")
    steps.append(Step("noirq_window", q, "pass", None, f"no: {eip:#x} is outside {window}"))

    # 2. A halted Guest is woken with interrupts forced on; otherwise irq_enabled == 0 means "wait".
    inputs.append(Input("halted", host.halted, "set by LHCALL_HALT"))
    q = "Is the Guest halted (LHCALL_HALT)?"
    if host.halted:
        try:
            ld.write("irq_enabled", X86_EFLAGS_IF)
        except GuestMemoryFault:
            trace.kill("Re-enabling interrupts")
        host.halted = False
        rules.append("halted_wake")
        steps.append(Step("halted", q, "apply", "halted_wake", "yes: the Host writes irq_enabled = 0x200 and "
                          "clears halted, then goes on to deliver (the halt is what the Guest waited in)"))
    else:
        steps.append(Step("halted", q, "pass", None, "no"))
        q = "Is lguest_data.irq_enabled zero (the Guest has interrupts disabled)?"
        try:
            enabled = ld.read("irq_enabled")
            inputs.append(Input("irq_enabled", enabled, "the Guest's virtual interrupt flag; only == 0 means off"))
        except GuestMemoryFault:
            enabled = 0
            inputs.append(Input("irq_enabled", None, "could not be read, which the Host treats as 0"))
        if enabled == 0:
            try:
                ld.write("irq_pending", X86_EFLAGS_IF)
            except GuestMemoryFault:
                pass                                  # the kernel ignores this put_user's result
            steps.append(Step("irq_enabled", q, "stop", "irqs_disabled", "yes: the Host writes irq_pending = 0x200 "
                              "so lg_restore_fl/lg_irq_enable can notice, and delivers nothing now"))
            return decision("irqs_disabled", f"set_pending: irq {irq} waits because the Guest has interrupts disabled "
                            "(irq_enabled = 0); the Host writes irq_pending = 0x200")
        steps.append(Step("irq_enabled", q, "pass", None, f"no: irq_enabled = {enabled:#x} is nonzero, which counts as "
                          "enabled (the Host tests == 0, not the IF bit)"))

    # 3. The Guest's IDT entry for the vector must be present; if not, the irq simply stays pending.
    lo, hi = host.idt.get(vector, (0, 0))
    inputs += [Input(f"idt[{vector:#x}].lo", lo, "as stored by set_trap() from LHCALL_LOAD_IDT_ENTRY"),
               Input(f"idt[{vector:#x}].hi", hi, "bit 15 (0x8000) is 'present'")]
    q = f"Is IDT entry {vector:#x} present (hi & 0x8000)?"
    frame = None
    if idt_present(lo, hi):
        host.irqs_pending &= ~(1 << irq)
        frame = set_guest_interrupt(trace, guest, lo, hi, has_err=False)
        inputs.append(Input("irq_enabled (for pushed eflags)", frame.irq_enabled,
                            "M:004: IF in the pushed eflags copies bit 0x200 of irq_enabled"))
        rules.append("deliver")
        steps.append(Step("idt_present", q, "apply", "deliver", f"yes: clear bit {irq} of irqs_pending and push the "
                          f"frame; the Guest continues at {frame.handler:#x} ({frame.gate} gate)"))
    else:
        rules.append("idt_not_present")
        steps.append(Step("idt_present", q, "apply", "idt_not_present", "no: nothing is delivered and the irq stays "
                          "pending, but the Host still goes on to write the timestamp"))

    # 4. write_timestamp() after every attempt that got this far, delivered or not.
    sec, nsec = write_timestamp(trace, ld)
    steps.append(Step("timestamp", "write_timestamp(): update lguest_data.time", "apply", None,
                      f"time = {sec}.{nsec:09d} (model clock)"))

    # 5. Clear irq_pending only if nothing more is pending; in 2.6.31 `more` is always true.
    q = "Is more false (nothing else pending), so irq_pending should be cleared?"
    if not pending.more:
        try:
            ld.write("irq_pending", 0)
        except GuestMemoryFault:
            pass
        steps.append(Step("more", q, "apply", None, "yes: the Host writes irq_pending = 0"))
    else:
        why = next(i.explanation for i in inputs if i.name == "more")
        steps.append(Step("more", q, "pass", None, f"no, irq_pending is left as it is: {why}"))

    if frame is None:
        return decision("idt_not_present", f"not delivered: irq {irq} has no present IDT entry for vector "
                        f"{vector:#x}; it stays pending")
    woke = " after waking the halted Guest" if "halted_wake" in rules else ""
    cleared = ", IF cleared in the pushed eflags (M:004)" if frame.if_cleared else ""
    return decision("deliver", f"delivered{woke}: irq {irq} → vector {vector:#x}, handler {frame.handler:#x} "
                    f"({frame.gate} gate); frame at esp {frame.new_esp:#x}{cleared}", frame)


def decide(host: Host, guest: GuestView) -> Decision:
    """One host look: interrupt_pending(), then try_deliver_interrupt() if an irq was found."""
    trace = Trace(host)
    pending = interrupt_pending(host, guest, trace)
    if pending.found:
        return try_deliver_interrupt(host, guest, pending, trace)
    messages = {
        "no_lguest_data": "none: the Guest has not registered lguest_data yet (no LHCALL_LGUEST_INIT)",
        "blocked_unreadable": "none: blocked_interrupts could not be read",
        "nothing_pending": "none: no interrupt is pending (irqs_pending = 0x0)",
        "blocked": f"none: irqs_pending = {host.irqs_pending:#x} but every pending irq is blocked by the Guest",
    }
    rule = pending.rule
    assert rule is not None                     # interrupt_pending() names the rule whenever it finds nothing
    return Decision(rule=rule, rules=(rule,), outcome="none", irq=None, vector=None, more=None,
                    inputs=pending.inputs, steps=pending.steps, writes=tuple(trace.writes),
                    chapters=CHAPTERS[rule], message=messages[rule], kills=tuple(trace.kills))
