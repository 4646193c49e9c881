"""Synchronous hypercalls after INIT (hypercalls.c do_hcall, x86/core.c lguest_arch_do_hcall)."""

import pytest

from journey_app.host import PAGE_OFFSET

from .conftest import HANDLER, hcall, idt_words


def test_unknown_hypercall_kills_with_the_kernels_newline(booted):
    host, guest = booted
    hcall(host, guest, 11)
    assert host.dead == "Bad hypercall 11\n"


def test_set_pmd_is_unknown_on_a_non_pae_host(booted):
    host, guest = booted
    hcall(host, guest, 13)
    assert host.dead == "Bad hypercall 13\n"


def test_bad_hypercall_number_prints_as_a_signed_long(booted):
    host, guest = booted
    hcall(host, guest, 0xFFFFFFFF)
    assert host.dead == "Bad hypercall -1\n"


def test_hypercall_event_names_the_call_and_its_four_arguments(booted):
    host, guest = booted
    event = hcall(host, guest, 19, 1, 2, 3, 4)[0].to_json()
    assert (event["kind"], event["number"], event["name"], event["args"], event["source"]) == (
        "hypercall", 19, "LHCALL_SEND_INTERRUPTS", [1, 2, 3, 4], "sync")


def test_send_interrupts_changes_no_host_state(booted):
    host, guest = booted
    before = host.to_json()
    hcall(host, guest, 19)
    assert host.to_json() == before


def test_hypercall_does_not_write_eax(booted):
    host, guest = booted
    hcall(host, guest, 8, 1)
    assert guest.regs["eax"] == 8


def test_load_idt_entry_stores_like_set_trap(booted):
    host, guest = booted
    lo, hi = idt_words(HANDLER)
    hcall(host, guest, 6, 0x21, lo, hi | 0x10FF)
    assert host.idt[0x21] == ((0x61 << 16) | (HANDLER & 0xFFFF), (hi | 0x10FF) & 0xFFFFEF00)


@pytest.mark.parametrize("vector", [2, 8, 15, 0x1F])
def test_load_idt_entry_ignores_the_hosts_vectors(booted, vector):
    host, guest = booted
    hcall(host, guest, 6, vector, *idt_words(HANDLER))
    assert vector not in host.idt and host.dead is None


def test_load_idt_entry_not_present_stores_zeros(booted):
    host, guest = booted
    lo, hi = idt_words(HANDLER)
    hcall(host, guest, 6, 0x21, lo, hi & ~0x8000)
    assert host.idt[0x21] == (0, 0)


def test_load_idt_entry_of_a_call_gate_kills(booted):
    host, guest = booted
    hcall(host, guest, 6, 0x21, *idt_words(HANDLER, gate=0xC))
    assert host.dead == "bad IDT type 12"


def test_load_idt_entry_beyond_256_kills(booted):
    host, guest = booted
    hcall(host, guest, 6, 256, *idt_words(HANDLER))
    assert host.dead == "Setting idt entry 256"


def test_halt_sets_halted(booted):
    host, guest = booted
    hcall(host, guest, 10)
    assert host.halted is True


def test_shutdown_kills_with_crash_and_the_message(booted):
    host, guest = booted
    guest.write(PAGE_OFFSET + 0x3000, b"Power down\0junk")
    hcall(host, guest, 2, 0x3000, 1)
    assert (host.dead, host.restart) == ("CRASH: Power down", False)


def test_shutdown_restart_marks_restart(booted):
    host, guest = booted
    hcall(host, guest, 2, 0x3000, 2)
    assert host.restart is True


def test_shutdown_message_is_cut_at_127_bytes(booted):
    host, guest = booted
    guest.write(PAGE_OFFSET + 0x3000, b"x" * 200)
    hcall(host, guest, 2, 0x3000, 1)
    assert host.dead == "CRASH: " + "x" * 127


def test_set_stack_records_ss1_esp1_and_pages(booted):
    host, guest = booted
    hcall(host, guest, 7, 0x69, 0xC0108000, 2)
    assert (host.ss1, host.esp1, host.stack_pages, host.dead) == (0x69, 0xC0108000, 2, None)


def test_set_stack_with_ring0_segment_kills(booted):
    host, guest = booted
    hcall(host, guest, 7, 0x68, 0xC0108000, 1)
    assert host.dead == "bad stack segment 104"


def test_notify_sets_pending_notify(booted):
    host, guest = booted
    hcall(host, guest, 17, 0xC0200000)
    assert host.pending_notify == 0xC0200000


def test_load_gdt_entry_raises_dpl0_to_guest_pl_and_sets_accessed(booted):
    host, guest = booted
    hcall(host, guest, 18, 14, 0x0000FFFF, 0x00CF9200)
    assert host.gdt[14] == (0x0000FFFF, 0x00CFB300)


def test_load_gdt_entry_beyond_32_kills(booted):
    host, guest = booted
    hcall(host, guest, 18, 32, 0, 0)
    assert host.dead == "too many gdt entries 32"


def test_load_tls_copies_three_descriptors_from_guest_physical(booted):
    host, guest = booted
    guest.write(PAGE_OFFSET + 0x4000, bytes.fromhex("ffff0000" "0092cf00") * 3)
    hcall(host, guest, 16, 0x4000, 0)
    assert [host.gdt[i] for i in (6, 7, 8)] == [(0x0000FFFF, 0x00CFB300)] * 3


def test_clockevent_zero_cancels(booted):
    host, guest = booted
    hcall(host, guest, 9, 5000)
    hcall(host, guest, 9, 0)
    assert host.clockevent_ns == 0


def test_new_pgtable_switches_pgdir(booted):
    host, guest = booted
    hcall(host, guest, 4, 0x5000)
    assert host.pgdir == 0x5000
