"""set_guest_interrupt(): the frame, IF in the pushed eflags (M:004), the gate type, the ring change."""

import pytest

from journey_app.host import LguestData, Trace, deliver_trap, set_guest_interrupt

from .conftest import HANDLER, LGUEST_DATA, STACK_TOP, idt_words


@pytest.fixture
def machine(booted):
    host, guest = booted
    guest.regs.update(eip=0xC0100200, cs=0x61, eflags=0x246)
    return host, guest, LguestData(guest, LGUEST_DATA)


def push(host, guest, gate=0xE, **kw):
    return set_guest_interrupt(Trace(host), guest, *idt_words(HANDLER, gate), **kw)


def test_frame_is_eflags_cs_eip_from_high_to_low(machine):
    host, guest, _ = machine
    frame = push(host, guest)
    assert [(w.label, w.address, w.value) for w in frame.words] == [
        ("eflags", STACK_TOP - 4, 0x246), ("cs", STACK_TOP - 8, 0x61), ("eip", STACK_TOP - 12, 0xC0100200)]


def test_frame_words_are_in_guest_memory(machine):
    host, guest, _ = machine
    push(host, guest)
    assert [guest.u32(STACK_TOP - 4 * i) for i in (1, 2, 3)] == [0x246, 0x61, 0xC0100200]


def test_pushed_eflags_has_if_cleared_when_irq_enabled_lacks_0x200(machine):
    host, guest, ld = machine
    ld.write("irq_enabled", 0)
    frame = push(host, guest)
    assert (frame.words[0].value, frame.if_cleared) == (0x046, True)


def test_pushed_eflags_keeps_if_when_irq_enabled_has_0x200(machine):
    host, guest, _ = machine
    assert push(host, guest).words[0].value == 0x246


def test_interrupt_gate_sets_irq_enabled_to_zero(machine):
    host, guest, ld = machine
    push(host, guest, gate=0xE)
    assert ld.read("irq_enabled") == 0


def test_trap_gate_leaves_irq_enabled_alone(machine):
    host, guest, ld = machine
    push(host, guest, gate=0xF)
    assert ld.read("irq_enabled") == 0x200


def test_registers_enter_the_handler_at_cs_0x61(machine):
    host, guest, _ = machine
    push(host, guest)
    assert {r: guest.regs[r] for r in ("eip", "cs", "ss", "esp")} == {
        "eip": HANDLER, "cs": 0x61, "ss": 0x69, "esp": STACK_TOP - 12}


def test_from_user_mode_the_frame_goes_on_the_set_stack_stack(machine):
    host, guest, _ = machine
    host.ss1, host.esp1 = 0x69, 0xC0108000
    guest.regs.update(ss=0x7B, esp=0xBFFFF000, cs=0x73)
    frame = push(host, guest)
    assert [w.label for w in frame.words] == ["ss", "esp", "eflags", "cs", "eip"]
    assert (guest.regs["ss"], guest.regs["esp"], guest.u32(0xC0108000 - 4)) == (0x69, 0xC0108000 - 20, 0x7B)


def test_ring_check_uses_the_hosts_guest_pl(machine):
    host, guest, _ = machine
    host.guest_pl = 0
    guest.regs["ss"] = 0x68
    assert push(host, guest).ring_change is False


def test_deliver_trap_pushes_the_error_code_for_a_page_fault(machine):
    host, guest, _ = machine
    host.idt[14] = ((0x61 << 16) | (HANDLER & 0xFFFF), (HANDLER & 0xFFFF0000) | 0x8E00)
    frame = deliver_trap(Trace(host), guest, 14, errcode=2)
    assert [(w.label, w.value) for w in frame.words][-1] == ("errcode", 2)


def test_deliver_trap_without_an_idt_entry_returns_none(machine):
    host, guest, _ = machine
    assert deliver_trap(Trace(host), guest, 3) is None


def test_unmapped_stack_kills_with_bad_address(machine):
    host, guest, _ = machine
    guest.regs["esp"] = 0x50000000
    trace = Trace(host)
    set_guest_interrupt(trace, guest, *idt_words(HANDLER))
    assert host.dead == "Bad address 0x50000000"
