"""Trap 6 on vmcall (x86/core.c is_hypercall/rewrite_hypercall) and the other traps (lguest_arch_handle_trap)."""

from journey_app.host import LguestData, handle_trap, handle_trap6, host_loop_after_exit

from .conftest import HANDLER, LGUEST_DATA, hcall, idt_words, lay_out_lguest_data

SITE = 0x00100005            # lguest_entry runs at physical addresses: the vmcall of G:020


def at_vmcall(guest, site=SITE):
    guest.write(site, bytes.fromhex("0f01c1"))
    guest.regs.update(eip=site, cs=0x61)


def test_vmcall_is_rewritten_to_int_0x1f_nop(host, guest):
    at_vmcall(guest)
    handle_trap6(host, guest)
    assert guest.read(SITE, 3) == bytes.fromhex("cd1f90")


def test_rewrite_event_carries_the_byte_diff(host, guest):
    at_vmcall(guest)
    event = handle_trap6(host, guest)[0].to_json()
    assert (event["kind"], event["address"], event["old"], event["new"]) == ("rewrite", SITE, "0f01c1", "cd1f90")


def test_rewrite_resumes_at_the_same_eip(host, guest):
    at_vmcall(guest)
    handle_trap6(host, guest)
    assert guest.regs["eip"] == SITE and host.dead is None


def test_rewrite_is_reported_as_a_code_write(host, guest):
    at_vmcall(guest)
    write = handle_trap6(host, guest)[0].writes[0]
    assert (write.field, write.address, write.old, write.new) == ("code", SITE, 0xC1010F, 0x901FCD)


def test_vmcall_from_another_ring_is_not_a_hypercall(host, guest):
    at_vmcall(guest)
    guest.regs["cs"] = 0x73
    handle_trap6(host, guest)
    assert host.dead == "unhandled trap 6 at 0x100005 (0)" and guest.read(SITE, 3) == bytes.fromhex("0f01c1")


def test_ring0_guest_machine_can_opt_in(host, guest):
    host.guest_pl = 0
    at_vmcall(guest)
    guest.regs["cs"] = 0x60
    assert handle_trap6(host, guest)[0].kind == "rewrite"


def test_other_invalid_opcode_is_reflected_when_the_guest_has_a_handler(booted):
    host, guest = booted
    hcall(host, guest, 6, 6, *idt_words(HANDLER, gate=0xF))
    guest.write(0xC0100200, bytes.fromhex("0f0b"))       # ud2
    out = handle_trap6(host, guest)
    assert (out[0].outcome, guest.regs["eip"], host.dead) == ("reflected", HANDLER, None)


def test_trap_0x1f_marks_the_hypercall_pending(host, guest):
    assert handle_trap(host, guest, 0x1F) == [] and host.hcall_pending is True


def test_page_fault_writes_cr2_before_reflecting(booted):
    host, guest = booted
    hcall(host, guest, 6, 14, *idt_words(HANDLER))
    handle_trap(host, guest, 14, errcode=2, cr2=0xDEAD000)
    assert (LguestData(guest, LGUEST_DATA).read("cr2"), guest.regs["eip"]) == (0xDEAD000, HANDLER)


def test_unhandled_page_fault_names_cr2(booted):
    host, guest = booted
    handle_trap(host, guest, 14, errcode=2, cr2=0xDEAD000)
    assert host.dead == "unhandled trap 14 at 0xc0100200 (0xdead000)"


def test_g020_init_goes_rewrite_then_trap_0x1f_then_init(host, guest):
    lay_out_lguest_data(guest)
    at_vmcall(guest)
    guest.regs.update(eax=1, ebx=LGUEST_DATA - 0xC0000000)
    handle_trap6(host, guest)
    guest.regs["eip"] = SITE + 2             # the guest re-executed the site as int $0x1f
    handle_trap(host, guest, 0x1F)
    out = host_loop_after_exit(host, guest, hcall_pending=False)
    assert [(o.kind, getattr(o, "name", None)) for o in out] == [
        ("hypercall", "LHCALL_LGUEST_INIT"), ("decision", None)]
    assert host.lguest_data_addr == LGUEST_DATA and host.hcall_pending is False
