"""The checks language: parsing errors name the key, evaluation over hand-written JSON runs."""

from __future__ import annotations

import pytest

from journey_app.labs import CheckSyntaxError, parse

from .traces import BAD_NOIRQ, FIXED, NOIRQ, SYMBOLS, trace


def evaluate(expr: dict, events=FIXED, answers=None, **state):
    return parse(expr).evaluate(trace(events, answers, **state))


# --- events ---------------------------------------------------------------------------------------

def test_hypercall_present_passes():
    result = evaluate({"hypercall": "LHCALL_SEND_INTERRUPTS"})
    assert result.passed
    assert "LHCALL_SEND_INTERRUPTS" in result.detail


def test_hypercall_absent_fails_and_lists_what_happened():
    events = [e for e in FIXED if e["kind"] != "hypercall"]
    result = evaluate({"hypercall": "LHCALL_SEND_INTERRUPTS"}, events)
    assert not result.passed
    assert "no hypercall was made" in result.detail


def test_hypercall_by_number_and_argument():
    assert evaluate({"hypercall": 19, "arg1": 0}).passed
    assert not evaluate({"hypercall": "LHCALL_SEND_INTERRUPTS", "arg1": 5}).passed


def test_hypercall_argument_from_symbol_operand():
    events = [{"seq": 0, "kind": "hypercall", "eip": 0x100008, "name": "LHCALL_LGUEST_INIT", "number": 1,
               "args": [0x101000, 0, 0, 0]}]
    expr = {"hypercall": "LHCALL_LGUEST_INIT", "arg1": {"symbol": "lguest_data", "add": -0xC0000000}}
    assert evaluate(expr, events).passed


def test_count_exact_and_range():
    assert evaluate({"irq_delivered": True, "count": 1}).passed
    assert not evaluate({"irq_delivered": True, "count": 2}).passed
    assert evaluate({"irq_delivered": 1, "count": {"min": 1, "max": 3}}).passed
    assert evaluate({"irq_delivered": 2, "count": 0}).passed


def test_decision_rule_and_outcome():
    assert evaluate({"decision": {"rule": "noirq_window", "outcome": "defer"}}, NOIRQ).passed
    assert not evaluate({"decision": {"rule": "noirq_window", "outcome": "deliver"}}, NOIRQ).passed
    assert evaluate({"decision": "deliver"}, NOIRQ).passed


def test_no_delivery_in_window():
    expr = {"no_delivery_in": ["lguest_noirq_start", "lguest_noirq_end"]}
    assert evaluate(expr, NOIRQ).passed
    failed = evaluate(expr, BAD_NOIRQ)
    assert not failed.passed
    assert "EIP in [lguest_noirq_start, lguest_noirq_end)" in failed.detail


def test_eip_in_with_label_offset():
    assert evaluate({"hypercall": "LHCALL_SEND_INTERRUPTS", "eip_in": ["send_interrupts", "send_interrupts+8"]}).passed
    assert not evaluate({"hypercall": "LHCALL_SEND_INTERRUPTS", "eip_in": ["lg_restore_fl", "lguest_iret"]}).passed


def test_sequence_requires_order():
    defer_then_deliver = {"sequence": [{"decision": {"rule": "noirq_window", "outcome": "defer"}},
                                       {"irq_delivered": True}]}
    assert evaluate(defer_then_deliver, NOIRQ).passed
    reversed_order = {"sequence": [{"irq_delivered": True}, {"decision": {"rule": "noirq_window"}}]}
    result = evaluate(reversed_order, NOIRQ)
    assert not result.passed
    assert "after" in result.detail


def test_generic_event_fields():
    assert evaluate({"event": {"kind": "irq_delivered", "vector": 0x21}}).passed
    assert not evaluate({"event": {"kind": "fault"}}).passed


# --- final state ----------------------------------------------------------------------------------

def test_register_at_label():
    assert evaluate({"register": "eax", "equals": 0x200, "at": "journey_done"}).passed
    result = evaluate({"register": "eax", "equals": 0x200, "at": "lguest_iret"})
    assert not result.passed
    assert "not at lguest_iret" in result.detail


def test_field_and_flag_and_host():
    assert evaluate({"field": "irq_pending", "equals": 0x200}).passed
    assert evaluate({"flag": "ZF", "equals": 1}).passed
    assert evaluate({"host": "irqs_pending", "equals": 0}).passed
    assert evaluate({"field": "irq_enabled", "bits_set": 0x200, "at_most": 0x2FF}).passed
    assert not evaluate({"field": "irq_pending", "bits_clear": 0x200}).passed


def test_status_and_stopped_at():
    assert evaluate({"status": "finished"}).passed
    assert evaluate({"status": ["budget", "finished"]}).passed
    assert not evaluate({"status": "budget"}).passed
    assert evaluate({"stopped_at": "journey_done"}).passed
    assert evaluate({"stopped_at": {"line": 30}}).passed


def test_state_operand_compares_two_values_of_the_run():
    assert evaluate({"register": "ebx", "equals": {"state": "host.lguest_data", "add": -0xC0000000}}).passed


def test_answers_number_forms_and_no_leak_of_expected_value():
    expr = {"answer": "phys", "equals": {"symbol": "lguest_data", "add": -0xC0000000}}
    assert evaluate(expr, answers={"phys": "0x101000"}).passed
    assert evaluate(expr, answers={"phys": "$0x101000"}).passed
    assert evaluate(expr, answers={"phys": str(0x101000)}).passed
    wrong = evaluate(expr, answers={"phys": "0xc0101000"})
    assert not wrong.passed
    assert "101000" not in wrong.detail.replace("0xc0101000", "")
    assert "not a number" in evaluate(expr, answers={"phys": "lguest_data"}).detail
    assert "no answer" in evaluate(expr).detail


def test_text_answers_compare_without_case():
    assert evaluate({"answer": "call", "equals": "LHCALL_LGUEST_INIT"}, answers={"call": " lhcall_lguest_init "}).passed


# --- combinators ----------------------------------------------------------------------------------

def test_not_all_any():
    assert evaluate({"not": {"status": "budget"}}).passed
    assert evaluate({"all": [{"status": "finished"}, {"hypercall": "LHCALL_SEND_INTERRUPTS"}]}).passed
    both = evaluate({"all": [{"status": "budget"}, {"hypercall": "LHCALL_HALT"}]})
    assert not both.passed
    assert "ended 'finished'" in both.detail and "LHCALL_HALT" in both.detail
    assert evaluate({"any": [{"status": "budget"}, {"irq_delivered": 1}]}).passed
    assert not evaluate({"any": [{"status": "budget"}, {"irq_delivered": 7}]}).passed


def test_unknown_label_fails_the_check_not_the_grader():
    result = evaluate({"stopped_at": "no_such_label"})
    assert not result.passed
    assert "no label 'no_such_label'" in result.detail


# --- parse errors name the key --------------------------------------------------------------------

@pytest.mark.parametrize("expr, path, words", [
    ({"hypercal": "LHCALL_HALT"}, ("hypercal",), "unknown expectation"),
    ({"hypercall": "LHCALL_NOPE"}, ("hypercall",), "unknown hypercall"),
    ({"decision": {"rule": "noirq"}}, ("decision", "rule"), "unknown rule"),
    ({"decision": {"outcome": "later"}}, ("decision", "outcome"), "unknown outcome"),
    ({"register": "eax"}, (), "needs a comparison"),
    ({"register": "rax", "equals": 1}, ("register",), "unknown register"),
    ({"field": "irq_pendin", "equals": 1}, ("field",), "unknown field"),
    ({"status": "done"}, ("status",), "status is one of"),
    ({"irq_delivered": True, "count": -1}, ("count",), "count is"),
    ({"hypercall": "LHCALL_HALT", "equals": 1}, ("equals",), "does not go with"),
    ({"status": "finished", "hypercall": "LHCALL_HALT"}, (), "exactly one"),
    ({"all": []}, ("all",), "non-empty list"),
    ({"not": {"any": [{"status": "x"}]}}, ("not", "any", 0, "status"), "status is one of"),
    ({"sequence": [{"status": "finished"}, {"irq_delivered": True}]}, ("sequence", 0), "event expectation"),
    ({"no_delivery_in": ["lguest_noirq_start"]}, ("no_delivery_in",), "a range is"),
    ({"register": "eax", "equals": {"python": "__import__('os')"}}, ("equals",), "a value is"),
    ("hypercall == 19", (), "is a table"),
])
def test_parse_errors_point_at_the_key(expr, path, words):
    with pytest.raises(CheckSyntaxError) as info:
        parse(expr)
    assert info.value.path == path
    assert words in info.value.message


def test_labels_and_answers_are_collected_for_validation():
    predicate = parse({"all": [{"no_delivery_in": ["lguest_noirq_start", "lguest_noirq_end"]},
                               {"register": "eax", "equals": {"symbol": "lguest_data"}, "at": "journey_done+1"},
                               {"answer": "phys", "equals": 1}]})
    labels = set().union(*(p.labels() for p in predicate.walk()))
    answers = set().union(*(p.answer_ids() for p in predicate.walk()))
    assert labels == {"lguest_noirq_start", "lguest_noirq_end", "lguest_data", "journey_done"}
    assert answers == {"phys"}
    assert SYMBOLS["journey_done"]
