"""Breakpoints, watchpoints, `continue`, and the sentence saying why every running action stopped.
Owns resolving `break`/`watch` targets against a Build and the `stopped` event; must not parse action text.

A breakpoint is an address (a label, a 0x-address or `L<n>`, the first instruction of source line n);
a watchpoint is a value (a register, a flag, an lguest_data field or a memory range) whose change stops
`continue`. Both persist across `reset`, as a debugger's do, and are part of the action list, so a
share link or a lab file carries them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..guest.memory import aliases, to_virt
from ..guest.registers import FLAG_BITS, GENERAL
from ..host.guest_view import GuestMemoryFault
from ..host.lguest_data import resolve as resolve_field
from ..toolchain import Build
from .code import jcc_addresses
from .actions import EXPECT_BREAK, EXPECT_WATCH, Action, ActionError
from .exits import handle_exit
from .values import UnknownValue

if TYPE_CHECKING:
    from .runner import Runner

LINE = re.compile(r"^[Ll](\d{1,6})$")
MAX_WATCH_BYTES = 64
MAX_BRANCH_STOPS = 64        # conditional jumps remembered per run_until before we stop tracking them
NEAR_LINES = 20              # a breakpoint on a line without code moves to the next code line this close
# Each `break`/`watch` rebuilds its tuple and each `continue` checks them all: without a cap, 4,000 of them spent
# a whole run's time budget before one instruction ran and made a 580 KB state. No lesson needs more than a few.
MAX_BREAKPOINTS = 64
MAX_WATCHES = 64

# Conditional jumps, the condition each tests (Intel SDM "Jcc"), and the names gas and Capstone give them.
JCC: dict[str, tuple[str, int]] = {
    "je": ("ZF", 1), "jz": ("ZF", 1), "jne": ("ZF", 0), "jnz": ("ZF", 0), "js": ("SF", 1), "jns": ("SF", 0),
    "jb": ("CF", 1), "jc": ("CF", 1), "jnae": ("CF", 1), "jae": ("CF", 0), "jnc": ("CF", 0), "jnb": ("CF", 0),
    "jo": ("OF", 1), "jno": ("OF", 0), "jp": ("PF", 1), "jpe": ("PF", 1), "jnp": ("PF", 0), "jpo": ("PF", 0),
}


@dataclass(frozen=True)
class Breakpoint:
    spec: str                       # as written: "L78", "send_interrupts", "0xc0100400"
    address: int                    # virtual
    file: str | None
    line: int | None
    symbol: str | None

    @property
    def addresses(self) -> frozenset[int]:
        return aliases(self.address)

    def to_json(self) -> dict:
        return {"spec": self.spec, "address": self.address, "file": self.file, "line": self.line,
                "symbol": self.symbol}


@dataclass(frozen=True)
class Watch:
    spec: str                       # "eax", "ZF", "lguest_data.irq_enabled", "0xc0104000:8", "lguest_data+20:4"
    kind: str                       # reg | flag | field | mem
    name: str                       # register, flag or field name; the symbolized address for mem
    address: int | None = None      # mem and field: the first byte watched (field: offset into lguest_data)
    size: int = 4

    def read(self, runner: Runner) -> int | None:
        if self.kind == "reg":
            return runner.m.regs[self.name]
        if self.kind == "flag":
            return runner.m.regs["eflags"] >> FLAG_BITS[self.name] & 1
        address = self.address if self.kind == "mem" else (runner.host.lguest_data_addr or runner.data_addr) + (
            self.address or 0)
        if address is None:
            return None
        try:
            return int.from_bytes(runner.m.read(address, self.size), "little")
        except GuestMemoryFault:
            return None

    def to_json(self, runner: Runner | None = None) -> dict:
        out = {"spec": self.spec, "kind": self.kind, "name": self.name, "address": self.address, "size": self.size}
        if runner is not None:
            value = self.read(runner)
            # JSON numbers past 2**53 lose digits in JavaScript: a range over 4 bytes is shown as bytes
            out["value"] = value if self.size <= 4 else None
            if self.kind in ("mem", "field") and value is not None:
                out["bytes"] = " ".join(f"{b:02x}" for b in value.to_bytes(self.size, "little"))
        return out


# -- resolving targets ------------------------------------------------------------------------------------


def code_files(build: Build) -> list[str]:
    """The build's source files, kernel text (arch/) first: `L<n>` means a line of the kernel file."""
    files = build.files()
    return sorted(files, key=lambda f: (not f.startswith("arch/"), f))


def line_address(build: Build, line: int) -> tuple[str, int, int] | None:
    """(file, line, address) of line `line`, or of the next line with code within NEAR_LINES."""
    for file in code_files(build):
        lines = build.lines(file)
        for n in range(line, line + NEAR_LINES + 1):
            found = lines.get(n)
            if found is not None and found.size:
                return file, n, found.address
    return None


def resolve_breakpoint(runner: Runner, action: Action) -> Breakpoint:
    word = action.args[0]
    build = runner.build
    match = LINE.match(word)
    if match:
        found = line_address(build, int(match.group(1)))
        if found is None:
            raise ActionError(action.index, 1, word, EXPECT_BREAK,
                              f"line {match.group(1)} has no instruction (nor do the {NEAR_LINES} lines after it)")
        file, line, address = found
        return Breakpoint(word, address, file, line, build.symbolize(address))
    try:
        address = to_virt(runner.values.resolve(word))
    except UnknownValue as exc:
        raise ActionError(action.index, 1, word, EXPECT_BREAK, exc.why) from None
    ref = build.line_at(address)
    return Breakpoint(word, address, ref.file if ref else None, ref.line if ref else None, build.symbolize(address))


def resolve_watch(runner: Runner, action: Action) -> Watch:
    word = action.args[0]
    low = word.lower()
    if low in GENERAL:
        return Watch(low, "reg", low)
    if word.upper() in FLAG_BITS:
        return Watch(word.upper(), "flag", word.upper(), size=1)
    name = word.removeprefix("lguest_data.")
    try:
        offset, size = resolve_field(name)
        if len(action.args) == 1:
            return Watch(f"lguest_data.{name}", "field", f"lguest_data.{name}", offset, size)
    except Exception:   # BadInput: not a field, so a memory range
        pass
    base, _, count = word.partition(":")
    size = 4
    if count:
        if not count.isdigit() or not 1 <= int(count) <= MAX_WATCH_BYTES:
            raise ActionError(action.index, 1, word, EXPECT_WATCH,
                              f"a watched range is 1 to {MAX_WATCH_BYTES} bytes, not {count!r}")
        size = int(count)
    try:
        address = runner.values.resolve(base)
    except UnknownValue as exc:
        raise ActionError(action.index, 1, word, EXPECT_WATCH, exc.why) from None
    try:
        runner.m.read(address, size)
    except GuestMemoryFault:
        raise ActionError(action.index, 1, word, EXPECT_WATCH,
                          f"{base} = {address:#x} is not guest memory") from None
    return Watch(word, "mem", runner.build.symbolize(to_virt(address)) or f"{address:#x}", address, size)


# -- the verbs ---------------------------------------------------------------------------------------------


def do_break(runner: Runner, action: Action) -> None:
    bp = resolve_breakpoint(runner, action)
    kept = tuple(b for b in runner.breakpoints if b.spec != bp.spec)
    if len(kept) >= MAX_BREAKPOINTS:
        raise ActionError(action.index, 1, action.args[0], f"at most {MAX_BREAKPOINTS} breakpoints at once",
                          f"there are already {MAX_BREAKPOINTS} breakpoints: `unbreak` one first")
    runner.breakpoints = (*kept, bp)


def do_unbreak(runner: Runner, action: Action) -> None:
    word = action.args[0]
    kept = tuple(b for b in runner.breakpoints if b.spec != word)
    if len(kept) == len(runner.breakpoints):
        raise ActionError(action.index, 1, word, "a breakpoint set before with `break`",
                          f"there is no breakpoint {word!r}")
    runner.breakpoints = kept


def do_watch(runner: Runner, action: Action) -> None:
    watch = resolve_watch(runner, action)
    kept = tuple(w for w in runner.watches if w.spec != watch.spec)
    if len(kept) >= MAX_WATCHES:
        raise ActionError(action.index, 1, action.args[0], f"at most {MAX_WATCHES} watched values at once",
                          f"{MAX_WATCHES} values are already watched: `unwatch` one first")
    runner.watches = (*kept, watch)


def do_unwatch(runner: Runner, action: Action) -> None:
    word = action.args[0]
    kept = tuple(w for w in runner.watches if w.spec != word and w.spec != word.lower()
                 and w.spec != f"lguest_data.{word}" and w.spec != word.upper())
    if len(kept) == len(runner.watches):
        raise ActionError(action.index, 1, word, "a value watched before with `watch`", f"nothing watches {word!r}")
    runner.watches = kept


def do_continue(runner: Runner, action: Action) -> None:
    """Run (natively when only breakpoints are set; one instruction at a time when a value is watched)
    until a breakpoint, a watched value changes, the scenario's stop label, the budget or the Host ends it."""
    if not runner.runnable():
        stopped(runner, action, "not_runnable", not_runnable(runner, "continue"))
        return
    breaks = {a: b for b in runner.breakpoints for a in b.addresses}
    start = runner.m.eip
    branches = BranchTrail(runner)
    while runner.runnable():
        if runner.watches:
            before = [w.read(runner) for w in runner.watches]
            exit = runner.m.run(1)
        else:
            from .verbs import FIRST_CHUNK     # verbs imports this module: the chunk rule is shared, not copied

            exit = runner.m.run(min(runner.room(), FIRST_CHUNK * 50),
                                frozenset(breaks) | runner.stop_at | branches.stops)
        runner.insn_count += exit.executed
        runner.emit_writes()
        handle_exit(runner, exit)
        runner.tick()                            # the clock event fires on the virtual clock (host/clock.py)
        if runner.watches:
            for watch, old in zip(runner.watches, before, strict=False):
                new = watch.read(runner)
                if new != old:
                    stopped(runner, action, "watch",
                            f"watched {watch.spec} changed from {_value(old)} to {_value(new)}; "
                            f"stopped just after the instruction that changed it, at {where(runner)}",
                            watch=watch.to_json(runner), old=old, new=new)
                    return
        eip = runner.m.eip
        branches.note(eip)
        if eip in breaks and runner.status == "running" and (eip != start or exit.executed):
            bp = breaks[eip]
            stopped(runner, action, "breakpoint", f"hit breakpoint {bp.spec} at {where(runner)}",
                    breakpoint=bp.to_json())
            return
    armed = bool(breaks or runner.watches)
    message = ended(runner, "a breakpoint or a watched change" if armed else None, branches)
    stopped(runner, action, "ended", message if armed else message + " (no breakpoint or watch is set)")


# -- why a run stopped ------------------------------------------------------------------------------------


def where(runner: Runner) -> str:
    loc = runner.locate(runner.m.eip)
    place = loc.symbol or f"{runner.m.eip:#x}"
    if loc.line:
        place += f", line {loc.line}" + (f" ({loc.chapter})" if loc.chapter else "")
    return place


def _value(value: int | None) -> str:
    return "unreadable" if value is None else f"{value:#x}"


def not_runnable(runner: Runner, verb: str) -> str:
    """Why an action that runs code did nothing."""
    return (f"{verb} did nothing: the run is {runner.status} ({runner.reason}). "
            "Step back, set a register, or reset to go on")


class BranchTrail:
    """The last conditional jump a native run went through, for "why did it not get there?".

    The jumps' addresses are extra Unicorn exits, so the run pauses before each one; after
    MAX_BRANCH_STOPS pauses (a loop) they are dropped and the run goes on at full speed."""

    def __init__(self, runner: Runner):
        self.runner = runner
        self.stops = jcc_addresses(runner.build)
        self.count = 0
        self.last: tuple[int, str, bool | None, str] | None = None   # (address, text, taken, why)
        self._lines: dict[str, list[str]] = {}                         # source file -> its lines, split once

    def note(self, eip: int) -> None:
        if eip not in self.stops:
            return
        insn = self.runner.decode(eip)
        if insn is None:
            return
        flag, want = JCC.get(insn.mnemonic, (None, 0))
        if flag is None:
            taken, why = None, ""
        else:
            value = self.runner.m.regs["eflags"] >> FLAG_BITS[flag] & 1
            taken, why = value == want, f"{flag} = {value}"
        self.last = (eip, self.spelled(insn, eip), taken, why)
        self.count += 1
        if self.count >= MAX_BRANCH_STOPS:
            self.stops = frozenset()

    def spelled(self, insn, eip: int) -> str:
        """The jump as the source spells it (gas `jnz` is Capstone's `jne`: the same opcode), target by name."""
        build = self.runner.build
        words = insn.op_str.split()
        target = words[0] if len(words) == 1 else ""
        name = build.symbolize(to_virt(int(target, 16))) if target.startswith("0x") else None
        text = f"`{insn.mnemonic} {name or insn.op_str}`"
        ref = build.line_at(to_virt(eip))
        if ref is not None and ref.file in build.sources:
            lines = self._lines.get(ref.file) or self._lines.setdefault(ref.file, build.sources[ref.file].split("\n"))
            written = lines[ref.line - 1].split()[0] if ref.line <= len(lines) and lines[ref.line - 1].split() else ""
            if written != insn.mnemonic and JCC.get(written) == JCC.get(insn.mnemonic):
                text = f"`{written} {name or insn.op_str}` (`{insn.mnemonic}` in the disassembly: the same instruction)"
        return text

    def sentence(self) -> str:
        if self.last is None:
            return ""
        eip, text, taken, why = self.last
        loc = self.runner.locate(eip)
        place = f"line {loc.line}" + (f" ({loc.chapter})" if loc.chapter else "") if loc.line else f"{eip:#x}"
        verdict = "" if taken is None else (" was taken" if taken else " was not taken")
        return f" The last conditional jump on the way, {text} at {place},{verdict}" + (f" ({why})" if why else "")


def ended(runner: Runner, wanted: str | None, branches: BranchTrail | None = None) -> str:
    """The sentence for a run that ended before `wanted` happened (None: it simply ran to its end)."""
    status = runner.status
    if wanted and runner.timed_out:
        # "reaching X: it was never reached" holds for a run that ended, not for one the wall clock cut short
        wanted = wanted.split(":")[0]
    before = f" before {wanted}" if wanted else ""
    if status == "finished":
        text = f"reached {where(runner)}, the end of this scenario,{before}"
    elif status == "budget" and runner.timed_out:   # the site's wall clock, not the instruction count
        text = (f"ran out of its time budget of {runner.seconds:g} s after {runner.insn_count} instructions{before}"
                " (the server is busy: try again)")
    elif status == "budget":
        text = f"used the whole budget of {runner.budget} instructions{before}"
    elif status == "dead":
        text = f"the Host killed the Guest{before}: {runner.reason}"
    elif status == "halted":
        text = f"the Guest halted (LHCALL_HALT){before}; the Host wakes it when an interrupt can be delivered"
    elif status == "fault":
        text = f"the Guest faulted{before}: {runner.reason}"
    else:
        text = f"stopped at {where(runner)}{before}"
    return text + "." + (branches.sentence() if branches is not None else "")


def stopped(runner: Runner, action: Action, why: str, message: str, **fields) -> None:
    """The `stopped` event: which action, why (reached | breakpoint | watch | ended | not_runnable), in words."""
    message = (message[0].upper() + message[1:]).rstrip(".") + "."
    runner.emit("stopped", {"action_index": action.index, "action": action.text, "why": why, "message": message,
                            **fields})
    runner.last_stop = {"action_index": action.index, "action": action.text, "why": why, "message": message}
