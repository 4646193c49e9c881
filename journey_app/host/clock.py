"""The Host's clock event for the Guest (hypercalls.c guest_set_clockevent, clockdev_fn) on a virtual clock.

The real Host arms an hrtimer `delta` ns ahead on its own clock; when it fires, clockdev_fn() calls
set_interrupt(cpu, 0). The explorer must replay byte for byte, so time here is *virtual*: one guest
instruction is one nanosecond (a 1 GHz CPU retiring one instruction per cycle), plus the time the
Guest spends halted, which jumps straight to the timer's deadline (the Host sleeps until it fires).
Must not run guest code or deliver interrupts: the runner asks `due()` and calls `expire()`.
"""

from __future__ import annotations

from dataclasses import dataclass

NS_PER_INSN = 1              # the virtual clock: instruction count -> nanoseconds
TIMER_IRQ = 0                # clockdev_fn(): set_interrupt(cpu, 0)


@dataclass(frozen=True)
class VirtualTimer:
    """cpu->hrt, as far as the Guest can see it. Immutable: the Host replaces it (checkpoints share it)."""

    deadline_ns: int | None = None      # virtual time the hrtimer fires; None = not armed
    armed_at_ns: int = 0
    delta_ns: int = 0
    fired: int = 0                       # how many times it has raised irq 0

    def to_json(self, now_ns: int) -> dict:
        return {"armed": self.deadline_ns is not None, "deadline_ns": self.deadline_ns, "delta_ns": self.delta_ns,
                "armed_at_ns": self.armed_at_ns, "now_ns": now_ns, "fired": self.fired,
                "remaining_ns": None if self.deadline_ns is None else max(0, self.deadline_ns - now_ns)}


def now_ns(insn_count: int, idle_ns: int) -> int:
    return insn_count * NS_PER_INSN + idle_ns


def set_clockevent(timer: VirtualTimer, delta: int, now: int) -> tuple[VirtualTimer, str]:
    """guest_set_clockevent(): 0 cancels (hrtimer_cancel); otherwise the timer fires `delta` ns from now
    (hrtimer_start with HRTIMER_MODE_ABS at now + delta)."""
    if not delta:
        return VirtualTimer(None, now, 0, timer.fired), "timer cancelled"
    due = now + delta
    return (VirtualTimer(due, now, delta, timer.fired),
            f"hrtimer armed: irq 0 at virtual time {due} ns ({delta} ns = {delta // NS_PER_INSN} instructions "
            f"from now)")


def instructions_until(timer: VirtualTimer, now: int) -> int | None:
    """How many instructions may run before the timer fires (0: it is due now); None if not armed."""
    if timer.deadline_ns is None:
        return None
    return max(0, -(-(timer.deadline_ns - now) // NS_PER_INSN))


def expire(timer: VirtualTimer) -> VirtualTimer:
    """clockdev_fn(): the hrtimer fired (HRTIMER_NORESTART: it is not re-armed)."""
    return VirtualTimer(None, timer.armed_at_ns, timer.delta_ns, timer.fired + 1)
