"""The actions' meanings: one function per verb (step, step_line, next_line, run_until, set, raise_irq,
host_check, reset; the debugger's break/watch/continue are in debug.py), in VERBS.
Owns how each action drives the machine and the Host through the Runner; must not parse text.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..guest.memory import aliases, to_virt
from ..guest.registers import FLAG_BITS, REGISTER_NAMES
from ..host import host_check, raise_irq
from ..host.lguest_data import LguestData
from ..host.lguest_data import resolve as field_layout
from .actions import EXPECT_UNTIL, EXPECT_VALUE, Action, ActionError, number_word
from .code import ret_addresses
from .debug import BranchTrail, do_break, do_continue, do_unbreak, do_unwatch, do_watch, ended, not_runnable, stopped
from .debug import where as where_now
from .exits import handle_exit
from .status import RUNNABLE
from .values import UnknownValue

if TYPE_CHECKING:
    from .runner import Runner

EIP_AT, EFLAGS_AT = REGISTER_NAMES.index("eip"), REGISTER_NAMES.index("eflags")


def step_one(runner: Runner) -> str | None:
    """One instruction, recorded as an `insn` event with what it changed (and a jcc's branch)."""
    m = runner.m
    eip = m.eip
    insn = runner.decode(eip)
    before = m.regs.read_all()
    exit = m.run(1)
    runner.insn_count += 1
    after = m.regs.read_all()
    next_eip, old_flags, new_flags = after[EIP_AT], before[EFLAGS_AT], after[EFLAGS_AT]
    fields = {"text": insn.text if insn else "(undecodable)", "bytes": insn.bytes.hex(" ") if insn else "",
              "size": insn.size if insn else 0, "next_eip": next_eip, "eflags": new_flags,
              "regs": {name: new for name, old, new in zip(REGISTER_NAMES, before, after, strict=True)
                       if new != old and name not in ("eip", "eflags")},
              "flags": {name: new_flags >> bit & 1 for name, bit in FLAG_BITS.items()
                        if (old_flags ^ new_flags) >> bit & 1}}
    if insn and insn.mnemonic.startswith("j") and insn.mnemonic != "jmp" and exit.kind == "count":
        fields["branch"] = "not taken" if next_eip == eip + insn.size else "taken"
    if exit.kind in ("trap", "fault"):
        fields["trap"] = exit.vector
    runner.emit("insn", fields, eip)
    if len(m.log):
        runner.emit_writes()
    looked = handle_exit(runner, exit)
    return "host" if runner.tick() else looked


def do_step(runner: Runner, action: Action) -> None:
    count = number_word(action.args[0]) if action.args else 1
    for done in range(count):
        if not runner.runnable():
            if done == 0:
                stopped(runner, action, "not_runnable", not_runnable(runner, action.text))
            else:
                stopped(runner, action, "ended", f"stopped after {done} of {count} steps: " + ended(runner, None))
            return
        step_one(runner)


LINE_STEP_LIMIT = 10_000     # instructions one source line may take before `step_line` gives up on it


def _line(runner: Runner, eip: int):
    where = runner.build.line_at(to_virt(eip))
    return None if where is None else (where.file, where.line)


def _run_to_return(runner: Runner, address: int, esp: int) -> None:
    """`next_line` over a call: natively until the call returns to `address` with the caller's stack
    (a recursive call reaching the same address deeper does not count). Hypercalls on the way are handled."""
    stops = aliases(address) | runner.stop_at
    chunk = FIRST_CHUNK
    while runner.runnable():
        started = time.monotonic()
        exit = runner.m.run(min(runner.room(), chunk), stops)
        chunk = _next_chunk(runner, exit.executed, time.monotonic() - started, chunk)
        runner.insn_count += exit.executed
        runner.emit_writes()
        handle_exit(runner, exit)
        runner.tick()
        if exit.kind == "stop" and (runner.m.eip not in aliases(address) or runner.m.regs["esp"] >= esp):
            return
        if exit.kind == "stop" and runner.status == RUNNABLE:
            step_one(runner)                    # deeper recursion: leave the stop address and go on


def _step_line(runner: Runner, over: bool) -> None:
    """One source line: instructions run (and are recorded) until EIP is on another line. C lines come
    back again and again in optimised code, so the line ends when EIP leaves it, as in gdb's `step`."""
    start = _line(runner, runner.m.eip)
    frame = runner.m.regs["esp"]
    for _ in range(LINE_STEP_LIMIT):
        if not runner.runnable():
            return
        eip, esp = runner.m.eip, runner.m.regs["esp"]
        insn = runner.decode(eip)
        looked = step_one(runner)
        if looked is not None or start is None:
            return                                  # the Host acted: show it before going on
        if over and insn is not None and insn.mnemonic.startswith("call") and runner.m.regs["esp"] == esp - 4 \
                and runner.status == RUNNABLE:
            _run_to_return(runner, eip + insn.size, esp)
        here = _line(runner, runner.m.eip)
        if here != start and (not over or runner.m.regs["esp"] >= frame or here is None or here[0] != start[0]):
            return


def do_step_line(runner: Runner, action: Action) -> None:
    """`step_line [n]`: n source lines, into calls (gdb's `step`)."""
    for _ in range(number_word(action.args[0]) if action.args else 1):
        if not runner.runnable():
            return
        _step_line(runner, over=False)


def do_next_line(runner: Runner, action: Action) -> None:
    """`next_line [n]`: n source lines of this function, running each call it makes to its return (gdb's `next`)."""
    for _ in range(number_word(action.args[0]) if action.args else 1):
        if not runner.runnable():
            return
        _step_line(runner, over=True)


def _last(runner: Runner, kind: str) -> dict:
    """The fields of the newest event of `kind` emitted by this action (not yet flushed to the log)."""
    return next((e.fields for e in reversed(runner.pending) if e.kind == kind), {})


WANTED = {"hypercall": "any hypercall: the Guest made none on the way", "decision": "the Host made a decision",
          "ret": "a ret"}


def do_run_until(runner: Runner, action: Action) -> None:
    """Natively (no event per instruction) until the target: a label or address (EIP gets there), `ret`
    (after the next ret runs), `hypercall` (after the Host handled one) or `decision` (after any exit the
    Host looked at). Hypercalls and deliveries on the way are handled; breakpoints, stop labels and the
    budget end it. Either way a `stopped` event says, in words, why it stopped where it did."""
    target = action.args[0]
    if not runner.runnable():
        stopped(runner, action, "not_runnable", not_runnable(runner, action.text))
        return
    address = None
    if target == "ret":
        stops = ret_addresses(runner.build)
    elif target in ("hypercall", "decision"):
        stops = frozenset()
    else:
        try:
            address = runner.values.resolve(target)
        except UnknownValue as exc:
            raise ActionError(action.index, 1, target, EXPECT_UNTIL, exc.why) from None
        stops = aliases(address)                # G:020 runs at physical addresses
    wanted = stops
    breaks = {a: b for b in runner.breakpoints for a in b.addresses}
    if target == "ret":
        insn = runner.decode(runner.m.eip)
        if insn is not None and insn.mnemonic.startswith("ret"):
            at = where_now(runner)
            step_one(runner)
            stopped(runner, action, "reached", f"ran the ret at {at}; back at {where_now(runner)}")
            return
    branches = BranchTrail(runner)
    chunk = FIRST_CHUNK
    while runner.runnable():
        started = time.monotonic()
        exit = runner.m.run(min(runner.room(), chunk),
                            wanted | runner.stop_at | frozenset(breaks) | branches.stops)
        chunk = _next_chunk(runner, exit.executed, time.monotonic() - started, chunk)
        runner.insn_count += exit.executed
        runner.emit_writes()
        looked = handle_exit(runner, exit)
        if runner.tick():
            looked = "host"
        eip = runner.m.eip
        branches.note(eip)
        if exit.kind == "stop" and address is not None and eip in wanted and runner.status in (RUNNABLE, "finished"):
            end = ", the end of this scenario" if runner.status == "finished" else ""
            stopped(runner, action, "reached", f"reached {target} at {where_now(runner)}{end}")
            return
        if exit.kind == "stop" and runner.status == RUNNABLE:
            if target == "ret" and eip in wanted:
                at = where_now(runner)
                step_one(runner)
                stopped(runner, action, "reached", f"ran the ret at {at}; back at {where_now(runner)}")
                return
            if eip in breaks:
                bp = breaks[eip]
                stopped(runner, action, "breakpoint", f"hit breakpoint {bp.spec} at {where_now(runner)} before "
                        f"reaching {target}", breakpoint=bp.to_json())
                return
        if looked == "hypercall" and target == "hypercall":
            call = _last(runner, "hypercall")
            stopped(runner, action, "reached",
                    f"the Guest made hypercall {call.get('name', '?')} at {where_now(runner)}")
            return
        if looked and target == "decision":
            decision = _last(runner, "decision")
            text = f"the Host looked at {where_now(runner)}: rule {decision.get('rule', '?')}"
            stopped(runner, action, "reached", text + (f" — {decision['message']}" if decision.get("message") else ""))
            return
    stopped(runner, action, "ended", ended(runner, WANTED.get(target, f"reaching {target}: it was never reached"),
                                          branches))


FIRST_CHUNK = 20        # instructions of the first native run: 40 ms even at 2 ms an instruction
MAX_CHUNK = 1_000_000
CHUNK_SECONDS = 0.05    # a chunk that ends early is re-run to find where (Machine.run bisects): keep them short
GROWTH = 8              # a chunk at most this many times the last: fast code can turn slow at any point


def _next_chunk(runner: Runner, executed: int, took: float, last: int) -> int:
    """How many instructions the next native run may take so it ends near the time budget, not past it.

    A chunk is transparent to the result: Machine.run stops at the same stops, traps and counts
    whether a run is split or not, so only the time budget (never the count) depends on it."""
    left = runner.time_left()
    if left is None:
        return MAX_CHUNK
    rate = executed / took if took > 0 else float(MAX_CHUNK)
    wanted = rate * min(max(left, 0.0) / 4, CHUNK_SECONDS)
    return int(max(1, min(MAX_CHUNK, last * GROWTH, wanted)))


def do_set(runner: Runner, action: Action) -> None:
    name, word = action.target, action.args[1]
    assert name is not None                     # the parser names the target of every `set`
    limit = 1 if name in FLAG_BITS or name in ("host.halted", "host.kick") else 0xFFFFFFFF
    if name.startswith("lguest_data."):
        limit = (1 << 8 * field_layout(name.removeprefix("lguest_data."))[1]) - 1
    try:
        value = runner.values.resolve(word, limit)
    except UnknownValue as exc:
        raise ActionError(action.index, 2, word, EXPECT_VALUE, exc.why) from None
    regs, host = runner.m.regs, runner.host
    if name == "IF" and not value:
        # lguest_arch_setup_regs() starts the Guest with IF set, and at CPL 1 with IOPL 0 neither popf nor
        # iret can clear it (cli faults): the Guest's "interrupts off" is lguest_data.irq_enabled = 0.
        raise ActionError(action.index, 2, word, "1", "the Guest never runs with IF=0: at ring 1 with IOPL 0 it "
                          "cannot clear the real flag; set irq_enabled 0 to turn its interrupts off")
    if name in FLAG_BITS:
        bit = 1 << FLAG_BITS[name]
        regs["eflags"] = regs["eflags"] | bit if value else regs["eflags"] & ~bit
    elif name.startswith("lguest_data."):
        LguestData(runner.m, host.lguest_data_addr or runner.data_addr).write(name.removeprefix("lguest_data."), value)
    elif name == "host.irqs_pending":
        host.irqs_pending = value
    elif name == "host.halted":
        host.halted = bool(value)
    elif name == "host.kick":
        host.kick = bool(value)
    else:
        regs[name] = value
    if runner.status == "finished" and runner.m.eip not in runner.stop_at:
        runner.status = RUNNABLE                 # EIP moved away from the stop label: runnable again
    if runner.status in (RUNNABLE, "finished", "halted"):
        runner.settle()


def do_raise_irq(runner: Runner, action: Action) -> None:
    """set_interrupt(): mark the irq pending, then kick: wake_up_process() / kick_process() knock the
    Guest out (or wake the halted one), so run_guest() looks at once. With `set host.kick 0` (a teaching
    control, not the kernel) the irq only waits for the next hypercall or host_check."""
    raise_irq(runner.host, number_word(action.args[0]))
    if runner.host.kick and runner.host.dead is None and runner.status in (RUNNABLE, "finished", "halted"):
        eip = runner.m.eip
        runner.emit_host(host_check(runner.host, runner.m), eip, trigger="kick")
        if runner.status == "finished" and runner.m.eip not in runner.stop_at:
            runner.status = RUNNABLE
        runner.settle()


def do_host_check(runner: Runner, action: Action) -> None:
    """A host-side event (timer, Launcher) while the Guest is here: one pass of the Host's loop."""
    if runner.host.dead is not None:
        return
    eip = runner.m.eip
    runner.sync_clock()
    runner.emit_host(host_check(runner.host, runner.m), eip)
    if runner.status == "finished" and runner.m.eip not in runner.stop_at:
        runner.status = RUNNABLE
    runner.settle()


def do_reset(runner: Runner, action: Action) -> None:
    """Back to the scenario's first moment; the history and the used budget stay."""
    budget_gone, reason = runner.status == "budget", runner.reason
    runner.start()
    if budget_gone:
        runner.status, runner.reason = "budget", reason


VERBS: dict[str, Callable[[Runner, Action], None]] = {
    "step": do_step, "step_line": do_step_line, "next_line": do_next_line, "run_until": do_run_until,
    "set": do_set, "raise_irq": do_raise_irq,
    "host_check": do_host_check, "reset": do_reset,
    "break": do_break, "unbreak": do_unbreak, "watch": do_watch, "unwatch": do_unwatch, "continue": do_continue,
}
