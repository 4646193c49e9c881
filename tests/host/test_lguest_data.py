"""LguestData: the 2.6.31 i386 layout, by-name access through guest memory, field_at()."""

import pytest

from journey_app.errors import BadInput
from journey_app.host import FIELDS, LGUEST_DATA_SIZE, GuestMemoryFault, LguestData, field_at

from .conftest import LGUEST_DATA, NOIRQ_END, NOIRQ_START, lay_out_lguest_data


@pytest.mark.parametrize("name, offset", [
    ("irq_enabled", 0), ("blocked_interrupts", 4), ("cr2", 8), ("time.tv_sec", 12), ("time.tv_nsec", 16),
    ("irq_pending", 20), ("hcall_status", 24), ("hcalls", 88), ("reserve_mem", 1368), ("tsc_khz", 1372),
    ("pgdir", 1376), ("noirq_start", 1380), ("noirq_end", 1384), ("kernel_address", 1388), ("syscall_vec", 1392),
])
def test_field_offsets_match_the_2631_struct(name, offset):
    assert {f.name: f.offset for f in FIELDS}[name] == offset


def test_fields_tile_the_1396_byte_struct_without_gaps():
    ends = [f.end for f in FIELDS]
    starts = [f.offset for f in FIELDS]
    assert starts[1:] == ends[:-1] and ends[-1] == LGUEST_DATA_SIZE == 1396


@pytest.mark.parametrize("offset, name", [
    (0, "irq_enabled"), (13, "time.tv_sec+1"), (20, "irq_pending"), (30, "hcall_status[6]"),
    (100, "hcalls[0].arg3"), (88 + 20 * 63 + 16, "hcalls[63].arg4"), (1392, "syscall_vec"), (1396, None),
])
def test_field_at_names_the_byte(offset, name):
    assert field_at(offset) == name


def test_read_sees_exactly_guest_memory(guest):
    guest.put_u32(LGUEST_DATA + 20, 0x200)
    assert LguestData(guest, LGUEST_DATA).read("irq_pending") == 0x200


def test_write_goes_to_guest_memory_at_the_field_offset(guest):
    LguestData(guest, LGUEST_DATA).write("hcalls[2].arg1", 0xDEADBEEF)
    assert guest.u32(LGUEST_DATA + 88 + 2 * 20 + 4) == 0xDEADBEEF


def test_byte_field_writes_one_byte(guest):
    guest.put_u32(LGUEST_DATA + 24, 0x11223344)
    LguestData(guest, LGUEST_DATA).write("hcall_status[1]", 0xFF)
    assert guest.u32(LGUEST_DATA + 24) == 0x1122FF44


def test_unknown_field_is_bad_input(guest):
    with pytest.raises(BadInput):
        LguestData(guest, LGUEST_DATA).read("irq_enable")


def test_ring_index_past_64_is_bad_input(guest):
    with pytest.raises(BadInput):
        LguestData(guest, LGUEST_DATA).read("hcall_status[64]")


def test_value_that_does_not_fit_is_bad_input(guest):
    with pytest.raises(BadInput):
        LguestData(guest, LGUEST_DATA).write("hcall_status[0]", 0x100)


def test_unmapped_base_raises_guest_memory_fault(guest):
    with pytest.raises(GuestMemoryFault):
        LguestData(guest, 0x50000000).read("irq_enabled")


def test_snapshot_lists_scalar_fields_in_layout_order(guest):
    lay_out_lguest_data(guest)
    snap = LguestData(guest, LGUEST_DATA).snapshot()
    assert list(snap)[:3] == ["irq_enabled", "blocked_interrupts", "cr2"]
    assert "hcall_status" not in snap
    assert (snap["blocked_interrupts"], snap["noirq_start"], snap["noirq_end"]) == (1, NOIRQ_START, NOIRQ_END)
