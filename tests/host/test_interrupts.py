"""decide(): interrupt_pending() + try_deliver_interrupt() in exactly the 2.6.31 order (docs/lguest-facts.md §4)."""

import json

import pytest

from journey_app.host import Host, LguestData, decide, raise_irq

from .conftest import HANDLER, LGUEST_DATA, NOIRQ_END, NOIRQ_START, STACK_TOP, hcall, idt_words


@pytest.fixture
def ready(booted):
    """Booted Guest with an interrupt gate for irq 1 (vector 0x21) and irq 1 raised."""
    host, guest = booted
    hcall(host, guest, 6, 0x21, *idt_words(HANDLER))
    raise_irq(host, 1)
    return host, guest, LguestData(guest, LGUEST_DATA)


def checks(decision):
    return [(s.check, s.result) for s in decision.steps]


def inputs(decision):
    return {i.name: i.value for i in decision.inputs}


# --- interrupt_pending() -------------------------------------------------------------------------

def test_no_lguest_data_decides_nothing(guest):
    host = Host()
    raise_irq(host, 1)
    d = decide(host, guest)
    assert (d.rule, d.outcome, d.irq, d.writes) == ("no_lguest_data", "none", None, ())


def test_nothing_pending(booted):
    host, guest = booted
    d = decide(host, guest)
    assert (d.rule, d.outcome) == ("nothing_pending", "none")


def test_blocked_timer_is_never_delivered(booted):
    host, guest = booted
    hcall(host, guest, 6, 0x20, *idt_words(HANDLER))
    LguestData(guest, LGUEST_DATA).write("blocked_interrupts", 1)
    raise_irq(host, 0)
    d = decide(host, guest)
    assert (d.rule, d.outcome, d.writes, host.irqs_pending, guest.regs["eip"]) == (
        "blocked", "none", (), 1, 0xC0100200)


def test_unreadable_blocked_interrupts_means_nothing_pending(ready):
    host, guest, _ = ready
    guest.holes.append((LGUEST_DATA + 4 - 0xC0000000, LGUEST_DATA + 8 - 0xC0000000))
    assert decide(host, guest).rule == "blocked_unreadable"


def test_lowest_pending_irq_goes_first(ready):
    host, guest, _ = ready
    raise_irq(host, 5)
    assert decide(host, guest).irq == 1


def test_more_is_true_even_when_no_other_bit_is_set(ready):
    host, guest, _ = ready
    d = decide(host, guest)
    more = next(i for i in d.inputs if i.name == "more")
    assert d.more is True and "= 32 → true even though no other bit is set" in more.explanation


def test_more_names_the_next_pending_irq(ready):
    host, guest, _ = ready
    raise_irq(host, 7)
    more = next(i for i in decide(host, guest).inputs if i.name == "more")
    assert "= 7 → true (irq 7 is also pending)" in more.explanation


# --- try_deliver_interrupt() ---------------------------------------------------------------------

def test_eip_in_noirq_window_defers_without_writing(ready):
    host, guest, _ = ready
    guest.regs["eip"] = NOIRQ_START
    d = decide(host, guest)
    assert (d.rule, d.outcome, d.writes, host.irqs_pending) == ("noirq_window", "defer", (), 0b10)


def test_noirq_window_message(ready):
    host, guest, _ = ready
    guest.regs["eip"] = NOIRQ_START
    assert decide(host, guest).message == ("deferred: EIP 0xc010006d is inside the no-interrupt window "
                                           "lguest_noirq_start..lguest_noirq_end (0xc010006d..0xc0100075)")


def test_noirq_window_end_is_exclusive(ready):
    host, guest, _ = ready
    guest.regs["eip"] = NOIRQ_END
    assert decide(host, guest).rule == "deliver"


def test_noirq_check_precedes_the_irq_enabled_check(ready):
    host, guest, ld = ready
    ld.write("irq_enabled", 0)
    guest.regs["eip"] = NOIRQ_START + 6
    d = decide(host, guest)
    assert (d.rule, ld.read("irq_pending")) == ("noirq_window", 0)


def test_noirq_check_precedes_the_halted_wake(ready):
    host, guest, _ = ready
    host.halted = True
    guest.regs["eip"] = NOIRQ_START
    assert (decide(host, guest).rule, host.halted) == ("noirq_window", True)


def test_noirq_walk_stops_at_the_window(ready):
    host, guest, _ = ready
    guest.regs["eip"] = NOIRQ_START
    assert checks(decide(host, guest)) == [("lguest_data", "pass"), ("pending", "pass"), ("noirq_window", "stop")]


def test_irqs_disabled_sets_irq_pending_and_delivers_nothing(ready):
    host, guest, ld = ready
    ld.write("irq_enabled", 0)
    d = decide(host, guest)
    assert (d.rule, d.outcome, ld.read("irq_pending"), host.irqs_pending, guest.regs["eip"]) == (
        "irqs_disabled", "set_pending", 0x200, 0b10, 0xC0100200)


def test_irqs_disabled_writes_no_timestamp(ready):
    host, guest, ld = ready
    ld.write("irq_enabled", 0)
    d = decide(host, guest)
    assert [w.field for w in d.writes] == ["lguest_data.irq_pending"]


@pytest.mark.parametrize("value", [0x200, 0x2, 0x46, 0xFFFFFFFF])
def test_any_nonzero_irq_enabled_counts_as_enabled(ready, value):
    host, guest, ld = ready
    ld.write("irq_enabled", value)
    assert decide(host, guest).outcome == "deliver"


def test_halted_guest_is_woken_and_delivered_to_even_with_irqs_off(ready):
    host, guest, ld = ready
    ld.write("irq_enabled", 0)
    host.halted = True
    d = decide(host, guest)
    assert (d.rule, d.rules, host.halted) == ("deliver", ("halted_wake", "deliver"), False)


def test_halted_wake_writes_irq_enabled_0x200_before_the_frame(ready):
    host, guest, ld = ready
    ld.write("irq_enabled", 0)
    host.halted = True
    d = decide(host, guest)
    first = d.writes[0]
    assert (first.field, first.old, first.new) == ("lguest_data.irq_enabled", 0, 0x200)


def test_idt_entry_not_present_keeps_irq_pending_but_writes_timestamp(booted):
    host, guest = booted
    raise_irq(host, 2)
    d = decide(host, guest)
    assert (d.rule, d.outcome, host.irqs_pending) == ("idt_not_present", "none", 0b100)
    assert [w.field for w in d.writes] == ["lguest_data.time.tv_sec", "lguest_data.time.tv_nsec"]


def test_deliver_clears_the_bit_and_enters_the_handler(ready):
    host, guest, _ = ready
    d = decide(host, guest)
    assert (d.rule, d.outcome, d.vector, host.irqs_pending) == ("deliver", "deliver", 0x21, 0)
    assert (guest.regs["eip"], guest.regs["cs"], guest.regs["esp"]) == (HANDLER, 0x61, STACK_TOP - 12)


def test_irq_pending_stays_0x200_after_delivery_because_more_is_always_true(ready):
    host, guest, ld = ready
    ld.write("irq_pending", 0x200)
    decide(host, guest)
    assert ld.read("irq_pending") == 0x200


def test_delivery_writes_the_timestamp(ready):
    host, guest, ld = ready
    decide(host, guest)
    assert (ld.read("time.tv_sec"), ld.read("time.tv_nsec")) == (1252454400, 1_000_000)


def test_delivery_walk_evaluates_every_check_in_kernel_order(ready):
    host, guest, _ = ready
    assert checks(decide(host, guest)) == [
        ("lguest_data", "pass"), ("pending", "pass"), ("noirq_window", "pass"), ("halted", "pass"),
        ("irq_enabled", "pass"), ("idt_present", "apply"), ("timestamp", "apply"), ("more", "pass")]


def test_delivery_inputs_carry_every_value_read(ready):
    host, guest, _ = ready
    got = inputs(decide(host, guest))
    assert {k: got[k] for k in ("eip", "noirq_start", "noirq_end", "blocked_interrupts", "irqs_pending",
                                "irq_enabled", "more")} == {
        "eip": 0xC0100200, "noirq_start": NOIRQ_START, "noirq_end": NOIRQ_END, "blocked_interrupts": 0,
        "irqs_pending": 0b10, "irq_enabled": 0x200, "more": True}


def test_one_irq_per_host_look(ready):
    host, guest, _ = ready
    hcall(host, guest, 6, 0x22, *idt_words(HANDLER + 0x10))
    raise_irq(host, 2)
    decide(host, guest)
    assert host.irqs_pending == 0b100


@pytest.mark.parametrize("rule_setup, chapter", [
    (lambda h, g, ld: g.regs.__setitem__("eip", NOIRQ_START), "G:045"),
    (lambda h, g, ld: ld.write("irq_enabled", 0), "G:033"),
    (lambda h, g, ld: None, "M:004"),
])
def test_decision_links_the_chapter_that_explains_it(ready, rule_setup, chapter):
    host, guest, ld = ready
    rule_setup(host, guest, ld)
    assert chapter in decide(host, guest).chapters


def test_timestamp_fault_kills_with_writing_timestamp(ready):
    host, guest, _ = ready
    phys = LGUEST_DATA - 0xC0000000
    guest.holes.append((phys + 12, phys + 20))
    d = decide(host, guest)
    assert (host.dead, [k.reason for k in d.kills]) == ("Writing timestamp", ["Writing timestamp"])


def test_decision_json_round_trips(ready):
    host, guest, _ = ready
    data = decide(host, guest).to_json()
    assert json.loads(json.dumps(data)) == data and data["kind"] == "decision"
