"""The Host model's edges from issue 13 that the differential test first showed, as plain examples."""

from __future__ import annotations

from journey_app.host import LguestData, decide, handle_trap, raise_irq
from journey_app.host.descriptors import load_guest_idt_entry
from journey_app.host.idt import cpu_gate, real_idt
from journey_app.host.trace import Trace

from .conftest import HANDLER, OUTSIDE_WINDOW, PAGE_OFFSET, hcall, idt_words

CODE = OUTSIDE_WINDOW


def test_gp_with_a_nonzero_errcode_still_reaches_the_vmcall_check(booted):
    host, guest = booted
    guest.write(CODE, bytes([0x0F, 0x01, 0xC1]))
    events = handle_trap(host, guest, 13, errcode=0x10A)
    assert [e.kind for e in events] == ["rewrite"]
    assert guest.read(CODE, 3) == bytes([0xCD, 0x1F, 0x90])


def test_gp_zero_on_in_is_emulated_with_all_ones(booted):
    host, guest = booted
    guest.write(CODE, bytes([0x66, 0xE4, 0x60]))          # 0x66 + "in $0x60,%al": the shift sets the upper half
    guest.regs["eax"] = 0x1234
    events = handle_trap(host, guest, 13, errcode=0)
    assert events[0].outcome == "emulated"
    assert (guest.regs["eax"], guest.regs["eip"]) == (0xFFFF1234, CODE + 3)


def test_vector_0x80_at_the_host_is_a_host_interrupt_not_a_reflection(booted):
    host, guest = booted
    load_guest_idt_entry(Trace(host), 0x80, *idt_words(HANDLER))
    events = handle_trap(host, guest, 0x80)
    assert [e.outcome for e in events] == ["handled"] and guest.regs["eip"] == CODE


def test_shutdown_restart_sets_dead_to_err_ptr_erestart(booted):
    host, guest = booted
    guest.write(PAGE_OFFSET + 0x5000, b"bye\0")
    hcall(host, guest, 2, 0x5000, 2)
    assert (host.dead, host.restart) == ("ERR_PTR(-ERESTART)", True)


def test_a_type_0xc_gate_is_not_called_a_trap_gate(booted):
    host, guest = booted
    trace = Trace(host)
    lo, hi = idt_words(HANDLER, gate=0xC)
    load_guest_idt_entry(trace, 0x21, lo, hi)              # killed "bad IDT type 12", but still stored
    assert host.dead == "bad IDT type 12"
    host.dead = None
    raise_irq(host, 1)
    decision = decide(host, guest)
    assert decision.frame.gate == "type 0xc"
    assert LguestData(guest, host.lguest_data_addr).read("irq_enabled") == 0x200   # not an interrupt gate


def test_the_cpu_idt_copies_only_trap_gates_and_the_guests_dpl(booted):
    host, _ = booted
    trace = Trace(host)
    load_guest_idt_entry(trace, 0x80, 0x00600100, (HANDLER & 0xFFFF0000) | 0xEF00)   # trap gate, DPL 3
    load_guest_idt_entry(trace, 0x21, *idt_words(HANDLER))                           # interrupt gate, DPL 0
    load_guest_idt_entry(trace, 3, 0x00600100, (HANDLER & 0xFFFF0000) | 0xEE00)      # interrupt gate, DPL 3
    assert cpu_gate(host, 0x80).direct and cpu_gate(host, 0x80).dpl == 3
    assert not cpu_gate(host, 0x21).direct and cpu_gate(host, 0x21).dpl == 0       # not a direct trap at all
    assert not cpu_gate(host, 3).direct and cpu_gate(host, 3).dpl == 3               # default entry, Guest's DPL
    assert cpu_gate(host, 0x1F).dpl == 1 and len(real_idt(host)) == 256
