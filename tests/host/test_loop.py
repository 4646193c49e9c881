"""host_loop_after_exit()/host_check(): run_guest()'s order, and raise_irq() validation."""

import pytest

from journey_app.errors import BadInput
from journey_app.host import LguestData, host_check, host_loop_after_exit, raise_irq

from .conftest import HANDLER, LGUEST_DATA, hcall, idt_words


def kinds(out):
    return [o.to_json()["kind"] for o in out]


@pytest.mark.parametrize("irq", [-1, 32, "1", True, 1.0])
def test_raise_irq_rejects_anything_but_0_to_31(host, irq):
    with pytest.raises(BadInput):
        raise_irq(host, irq)


def test_raise_irq_only_marks_pending(booted):
    host, guest = booted
    raise_irq(host, 31)
    assert host.irqs_pending == 1 << 31 and guest.regs["eip"] == 0xC0100200


def test_hypercall_then_decision(booted):
    host, guest = booted
    guest.regs.update(eax=19, ebx=0, ecx=0, edx=0, esi=0)
    assert kinds(host_loop_after_exit(host, guest, hcall_pending=True)) == ["hypercall", "decision"]


def test_send_interrupts_exit_delivers_a_pending_irq(booted):
    host, guest = booted
    hcall(host, guest, 6, 0x21, *idt_words(HANDLER))
    raise_irq(host, 1)
    guest.regs.update(eax=19)
    out = host_loop_after_exit(host, guest, hcall_pending=True)
    assert out[-1].rule == "deliver" and guest.regs["eip"] == HANDLER


def test_host_check_runs_no_hypercall(booted):
    host, guest = booted
    guest.regs.update(eax=10)
    assert kinds(host_check(host, guest)) == ["decision"] and host.halted is False


def test_halt_with_nothing_pending_sleeps(booted):
    host, guest = booted
    guest.regs.update(eax=10)
    out = host_loop_after_exit(host, guest, hcall_pending=True)
    assert kinds(out) == ["hypercall", "decision", "halted"] and out[-1].state == "sleeping"


def test_halted_guest_wakes_on_host_check_after_raise_irq(booted):
    host, guest = booted
    hcall(host, guest, 6, 0x21, *idt_words(HANDLER))
    LguestData(guest, LGUEST_DATA).write("irq_enabled", 0)
    hcall(host, guest, 10)
    raise_irq(host, 1)
    out = host_check(host, guest)
    assert kinds(out) == ["decision"] and out[0].rules == ("halted_wake", "deliver") and not host.halted


def test_dead_guest_gets_no_more_host_passes(booted):
    host, guest = booted
    host.kill("earlier")
    raise_irq(host, 1)
    assert host_check(host, guest) == []


def test_kill_in_a_hypercall_still_runs_that_passes_interrupt_check(booted):
    host, guest = booted
    guest.regs.update(eax=11)
    assert kinds(host_loop_after_exit(host, guest, hcall_pending=True)) == ["hypercall", "killed", "decision"]


def test_notify_returns_to_launcher_then_finishes_the_held_back_call(booted):
    host, guest = booted
    ld = LguestData(guest, LGUEST_DATA)
    ld.write("hcalls[0].arg0", 17)
    ld.write("hcalls[0].arg1", 0x1234)
    ld.write("hcall_status[0]", 0)
    guest.regs.update(eax=10)
    out = host_loop_after_exit(host, guest, hcall_pending=True)
    assert kinds(out) == ["hypercall", "notify", "hypercall", "decision", "halted"]
    assert (host.pending_notify, host.hcall_pending, host.halted) == (0, False, True)
