"""The async hypercall ring (hypercalls.c do_async_hcalls): processed in ring order before the sync call."""

from journey_app.host import LguestData

from .conftest import LGUEST_DATA, hcall


def queue(guest, slot, number, a1=0, a2=0, a3=0, a4=0):
    """What boot.c async_hcall() does: arguments first, then status 0 (ready)."""
    ld = LguestData(guest, LGUEST_DATA)
    for i, value in enumerate((number, a1, a2, a3, a4)):
        ld.write(f"hcalls[{slot}].arg{i}", value)
    ld.write(f"hcall_status[{slot}]", 0)


def test_ring_runs_before_the_synchronous_call(booted):
    host, guest = booted
    queue(guest, 0, 8, 1)
    events = hcall(host, guest, 19)
    assert [(e.source, e.number) for e in events] == [("async", 8), ("sync", 19)]


def test_ring_runs_in_slot_order_and_stops_at_a_free_slot(booted):
    host, guest = booted
    queue(guest, 0, 8, 1)
    queue(guest, 1, 9, 500)
    queue(guest, 3, 10)
    events = hcall(host, guest, 0)
    assert [(e.slot, e.number) for e in events] == [(0, 8), (1, 9), (None, 0)]


def test_ring_marks_done_slots_free(booted):
    host, guest = booted
    queue(guest, 0, 8, 1)
    hcall(host, guest, 0)
    assert LguestData(guest, LGUEST_DATA).read("hcall_status[0]") == 0xFF


def test_ring_advances_the_cursor_and_resumes_there(booted):
    host, guest = booted
    queue(guest, 0, 8, 1)
    hcall(host, guest, 0)
    queue(guest, 0, 10)          # slot 0 is behind the cursor now: not seen until the ring wraps
    queue(guest, 1, 9, 7)
    events = hcall(host, guest, 0)
    assert [(e.slot, e.number) for e in events] == [(1, 9), (None, 0)] and host.next_hcall == 2


def test_ring_wraps_from_slot_63_to_0(booted):
    host, guest = booted
    host.next_hcall = 63
    queue(guest, 63, 8, 1)
    queue(guest, 0, 8, 0)
    events = hcall(host, guest, 0)
    assert [e.slot for e in events] == [63, 0, None] and host.next_hcall == 1


def test_async_event_reports_its_status_write(booted):
    host, guest = booted
    queue(guest, 0, 8, 1)
    event = hcall(host, guest, 0)[0].to_json()
    assert {"field": "lguest_data.hcall_status[0]", "address": LGUEST_DATA + 24, "size": 1,
            "old": 0, "new": 0xFF} in event["writes"]


def test_notify_in_the_ring_stops_it_and_holds_back_the_sync_call(booted):
    host, guest = booted
    queue(guest, 0, 17, 0x1234)
    queue(guest, 1, 10)
    events = hcall(host, guest, 10)
    assert [e.number for e in events] == [17] and host.halted is False


def test_sync_call_held_back_by_notify_stays_pending(booted):
    host, guest = booted
    queue(guest, 0, 17, 0x1234)
    host.hcall_pending = True
    hcall(host, guest, 10)
    assert (host.hcall_pending, host.halted, host.pending_notify) == (True, False, 0x1234)
