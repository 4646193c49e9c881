"""Puts a fresh machine and Host into a scenario's starting state: memory, Host (INIT + IDT), registers, stack.
Owns what "the Host is already initialised" means for a scenario; errors are ContentError naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..guest.machine import Machine
from ..guest.memory import aliases
from ..host.constants import (
    FIRST_EXTERNAL_VECTOR, GUEST_KERNEL_DS, KERNEL_CS, KVM_HYPERCALL, LGUEST_IRQS, LHCALL_LGUEST_INIT, MAX_STACK_PAGES,
    PAGE_OFFSET, REWRITTEN_HYPERCALL, X86_EFLAGS_IF,
)
from ..host.descriptors import guest_set_stack, load_guest_idt_entry
from ..host.guest_view import GuestMemoryFault
from ..host.initialize import initialize
from ..host.lguest_data import LguestData
from ..host.state import Host
from ..host.trace import Trace
from .code import vmcall_sites
from .scenarios import Scenario, Value
from .values import UnknownValue, Values

GATE_INTERRUPT = 0x8E00   # desc_defs.h pack_gate(): P=1, DPL=0, type 0xE in bits 8..15 of the high word


@dataclass(frozen=True)
class Start:
    """What set-up decided that the run needs later: where to stop and which stack words are labelled."""

    stop_at: frozenset[int]
    labels: tuple[tuple[int, str, int], ...]        # (address, label, value)
    patched: tuple[tuple[int, str, str], ...]       # (address, old hex, new hex) rewritten before the run


def idt_words(handler: int) -> tuple[int, int]:
    """The (lo, hi) pair the Guest's write_idt_entry() passes to LHCALL_LOAD_IDT_ENTRY for an interrupt
    gate to `handler` (set_intr_gate with __KERNEL_CS, as lguest_init_IRQ installs every irq vector)."""
    return (KERNEL_CS << 16) | (handler & 0xFFFF), (handler & 0xFFFF0000) | GATE_INTERRUPT


def _resolve(values: Values, scenario: Scenario, field: str, raw: Value, limit: int = 0xFFFFFFFF) -> int:
    if isinstance(raw, int):
        if raw > limit:
            raise scenario.fail(field, f"{raw:#x} does not fit (at most {limit:#x})")
        return raw
    try:
        return values.resolve(raw.strip(), limit)
    except UnknownValue as exc:
        raise scenario.fail(field, exc.why) from None


def lguest_data_address(values: Values, scenario: Scenario) -> int:
    address = values.lookup("lguest_data")
    if address is None:
        raise scenario.fail("lguest_data", "the build has no lguest_data symbol")
    return address


def apply_scenario(machine: Machine, host: Host, values: Values, scenario: Scenario) -> Start:
    """Machine and host must be fresh (baseline registers, pristine memory, Host())."""
    data_addr = lguest_data_address(values, scenario)
    data = LguestData(machine, data_addr)
    for name, raw in scenario.lguest_data:
        data.write(name, _resolve(values, scenario, f"lguest_data.{name}", raw))

    if scenario.initialised:
        # Everything boot did before this chapter: LHCALL_LGUEST_INIT with ebx = __pa(&lguest_data),
        # then lguest_init_IRQ's LHCALL_LOAD_IDT_ENTRY for each external vector (boot.c), here pointing
        # at the glue's journey_irq_N handlers.
        trace = Trace(host)
        initialize(trace, machine, (LHCALL_LGUEST_INIT, data_addr - PAGE_OFFSET, 0, 0, 0))
        for irq in range(LGUEST_IRQS):
            handler = values.lookup(f"journey_irq_{irq}")
            if handler is None:
                raise scenario.fail("host.initialised", f"the build has no journey_irq_{irq} handler for the IDT")
            load_guest_idt_entry(trace, FIRST_EXTERNAL_VECTOR + irq, *idt_words(handler))
        if scenario.kernel_stack is not None:
            # lguest_init's LHCALL_SET_STACK (boot.c lguest_load_sp0 at boot): where interrupts from
            # user mode push their frame (set_guest_interrupt's ring change).
            kernel_top = _resolve(values, scenario, "host.kernel_stack", scenario.kernel_stack)
            guest_set_stack(trace, GUEST_KERNEL_DS, kernel_top, MAX_STACK_PAGES)
        if trace.kills:
            raise scenario.fail("host.initialised", f"the Host refused the set-up: {trace.kills[0].reason}")
    host.irqs_pending = scenario.irqs_pending
    host.halted = scenario.halted
    patched = []
    if scenario.rewritten:
        # Long after boot every hypercall site has trapped once and been rewritten by the Host
        # (x86/core.c rewrite_hypercall); a scenario can start from there.
        for site in vmcall_sites(machine.build):
            machine.write(site, REWRITTEN_HYPERCALL)
            patched.append((site, KVM_HYPERCALL.hex(), REWRITTEN_HYPERCALL.hex()))

    entry = _resolve(values, scenario, "entry", scenario.entry)
    if scenario.physical:
        if entry < PAGE_OFFSET:
            raise scenario.fail("physical", f"entry {entry:#x} is already below PAGE_OFFSET")
        entry -= PAGE_OFFSET
    regs = machine.regs
    regs["eip"] = entry
    union = values.lookup("init_thread_union")
    size = values.lookup("THREAD_SIZE")
    regs["esp"] = (union + size) if union is not None and size is not None else 0
    for name, raw in scenario.registers:
        value = _resolve(values, scenario, f"registers.{name}", raw)
        if name == "eflags" and not value & X86_EFLAGS_IF:
            # lguest_arch_setup_regs(): the Guest always really runs with IF=1 (irq_enabled is its flag).
            raise scenario.fail("registers.eflags", f"{value:#x} has IF clear; the Guest never runs with IF=0 "
                                "(set lguest_data.irq_enabled = 0 to turn its interrupts off)")
        regs[name] = value

    labels = []
    if scenario.stack:
        esp = regs["esp"] - 4 * len(scenario.stack)
        for index, word in enumerate(scenario.stack):
            value = _resolve(values, scenario, f"stack[{index}]", word.value)
            try:
                machine.write(esp + 4 * index, value.to_bytes(4, "little"))
            except GuestMemoryFault:
                raise scenario.fail(f"stack[{index}]",
                                    f"the stack at {esp + 4 * index:#x} is not guest memory") from None
            if word.label:
                labels.append((esp + 4 * index, word.label, value))
        regs["esp"] = esp
    stops = frozenset().union(*(aliases(_resolve(values, scenario, f"stop_at[{i}]", label))
                                for i, label in enumerate(scenario.stop_at)))
    return Start(stops, tuple(labels), tuple(patched))
