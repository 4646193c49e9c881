"""The Host's clock event on the virtual clock and its view of the Guest's page tables (pure values)."""

from __future__ import annotations

from journey_app.host.clock import VirtualTimer, expire, instructions_until, now_ns, set_clockevent
from journey_app.host.constants import SWITCHER_PGD_INDEX
from journey_app.host.pagetables import KEEP, PageTables


def test_virtual_time_is_instructions_plus_idle_time():
    assert now_ns(1000, 0) == 1000 and now_ns(1000, 500) == 1500


def test_set_clockevent_arms_relative_to_now_and_zero_cancels():
    timer, effect = set_clockevent(VirtualTimer(), 5000, now=10)
    assert timer.deadline_ns == 5010 and "5010" in effect
    assert instructions_until(timer, 10) == 5000 and instructions_until(timer, 5010) == 0
    assert instructions_until(timer, 6000) == 0                          # overdue: fire now
    cancelled, effect = set_clockevent(timer, 0, now=20)
    assert cancelled.deadline_ns is None and effect == "timer cancelled"
    assert instructions_until(cancelled, 20) is None


def test_expiry_disarms_and_counts():
    timer, _ = set_clockevent(VirtualTimer(), 100, now=0)
    fired = expire(timer)
    assert fired.deadline_ns is None and fired.fired == 1
    assert fired.to_json(150)["remaining_ns"] is None


def test_page_table_view_records_what_the_guest_announced():
    view = PageTables().new_pgtable(0x108000).set_pte(0x108000, 0xC0400000, 0x123067)
    view = view.set_pte(0x108000, 0xC0400000, 0)                         # same entry again: replaced
    view = view.set_pgd(0x108000, 0x301).set_pgd(0x108000, SWITCHER_PGD_INDEX).flush(True).flush(False)
    data = view.to_json()
    assert data["pgdir"] == 0x108000 and data["switches"] == 1
    assert data["ptes"] == [{"pgdir": 0x108000, "vaddr": 0xC0400000, "pte": 0, "present": False}]
    assert data["pgds"] == [{"pgdir": 0x108000, "index": 0x301}]        # the Switcher's slot is ignored
    assert (data["flushes_all"], data["flushes_user"]) == (1, 1)


def test_page_table_view_stays_bounded():
    view = PageTables()
    for i in range(100):
        view = view.set_pte(0, i * 4096, 1)
    assert len(view.ptes) == KEEP and view.ptes[-1][1] == 99 * 4096
