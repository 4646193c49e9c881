"""LHCALL_LGUEST_INIT and the hypercalls before it (hypercalls.c initialize())."""

from journey_app.host import Host, LguestData, PAGE_OFFSET
from journey_app.host.constants import LAUNCHER_MEM_BASE

from .conftest import LGUEST_DATA, NOIRQ_END, NOIRQ_START, hcall, lay_out_lguest_data

PHYS = LGUEST_DATA - PAGE_OFFSET


def test_hypercall_before_init_kills_with_its_number(host, guest):
    lay_out_lguest_data(guest)
    hcall(host, guest, 19)
    assert host.dead == "hypercall 19 before INIT"


def test_hypercall_before_init_reports_the_call_then_the_kill(host, guest):
    events = [e.to_json() for e in hcall(host, guest, 10)]
    assert [(e["kind"], e.get("name"), e.get("reason")) for e in events] == [
        ("hypercall", "LHCALL_HALT", None), ("killed", None, "hypercall 10 before INIT")]


def test_hypercall_before_init_does_not_halt(host, guest):
    hcall(host, guest, 10)
    assert host.halted is False


def test_init_registers_lguest_data_at_the_virtual_alias(host, guest):
    lay_out_lguest_data(guest)
    hcall(host, guest, 1, PHYS)
    assert host.lguest_data_addr == LGUEST_DATA and host.dead is None


def test_init_writes_tsc_khz_time_reserve_mem_and_pgdir(host, guest):
    ld = lay_out_lguest_data(guest)
    hcall(host, guest, 1, PHYS)
    assert (ld.read("tsc_khz"), ld.read("time.tv_sec"), ld.read("time.tv_nsec"), ld.read("reserve_mem"),
            ld.read("pgdir")) == (2_000_000, 1252454400, 0, 0x400000, 0x00FFF000)


def test_init_copies_the_noirq_window_once(host, guest):
    ld = lay_out_lguest_data(guest)
    hcall(host, guest, 1, PHYS)
    ld.write("noirq_start", 0)
    assert (host.noirq_start, host.noirq_end) == (NOIRQ_START, NOIRQ_END)


def test_init_reports_its_field_writes_with_old_and_new(host, guest):
    lay_out_lguest_data(guest)
    event = hcall(host, guest, 1, PHYS)[0].to_json()
    writes = {w["field"]: (w["old"], w["new"]) for w in event["writes"]}
    assert writes["lguest_data.reserve_mem"] == (0, 0x400000)


def test_init_reports_its_field_reads_in_kernel_order(host, guest):
    lay_out_lguest_data(guest)
    event = hcall(host, guest, 1, PHYS)[0].to_json()
    assert [r["field"] for r in event["reads"]] == ["lguest_data.syscall_vec", "lguest_data.noirq_start",
                                                    "lguest_data.noirq_end", "lguest_data.kernel_address"]


def test_init_leaves_eax_holding_the_call_number(host, guest):
    lay_out_lguest_data(guest)
    hcall(host, guest, 1, PHYS)
    assert guest.regs["eax"] == 1


def test_init_with_wrong_syscall_vector_kills(host, guest):
    ld = lay_out_lguest_data(guest)
    ld.write("syscall_vec", 0x81)
    hcall(host, guest, 1, PHYS)
    assert host.dead == "bad syscall vector"


def test_init_outside_guest_memory_kills_with_a_null_pointer_and_stays_uninitialised(host, guest):
    hcall(host, guest, 1, 0x01000000)
    assert (host.dead, host.lguest_data_addr) == ("bad guest page (null)", None)


def test_init_with_kernel_address_in_switcher_slot_kills(host, guest):
    ld = lay_out_lguest_data(guest)
    ld.write("kernel_address", 0xFFC00000)
    hcall(host, guest, 1, PHYS)
    assert host.dead == "bad kernel address 0xffc00000"


def test_init_whose_data_page_faults_kills_with_bad_guest_page(host, guest):
    guest.holes.append((PHYS, PHYS + 0x1000))
    hcall(host, guest, 1, PHYS)
    assert host.dead == f"bad guest page {LAUNCHER_MEM_BASE + PHYS:08x}"


def test_second_init_kills_with_already_have_lguest_data(booted):
    host, guest = booted
    hcall(host, guest, 1, PHYS)
    assert host.dead == "already have lguest_data"


def test_init_uses_the_hosts_memory_size_for_pgdir(guest):
    host = Host(mem_size=8 << 20)
    lay_out_lguest_data(guest)
    hcall(host, guest, 1, PHYS)
    assert LguestData(guest, LGUEST_DATA).read("pgdir") == 0x007FF000
