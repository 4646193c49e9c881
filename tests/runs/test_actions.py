"""The action grammar: what parses, how it is normalised, and errors that point at the offending word."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journey_app.errors import BadInput, TooLarge
from journey_app.runs import parse_actions, split_actions
from journey_app.runs.actions import ActionList, canonical

from .conftest import of_kind


def test_every_verb_parses():
    actions = parse_actions("step; step 3; run_until lg_irq_enable; run_until 0xc0100090; run_until ret; "
                            "run_until hypercall; run_until decision; set eax 0x200; set ZF 1; "
                            "set irq_enabled X86_EFLAGS_IF; set host.irqs_pending 2; set halted 0; raise_irq 31; "
                            "host_check; reset")

    assert [a.verb for a in actions] == ["step"] * 2 + ["run_until"] * 5 + ["set"] * 5 + ["raise_irq", "host_check",
                                                                                          "reset"]
    assert [a.target for a in actions if a.verb == "set"] == [
        "eax", "ZF", "lguest_data.irq_enabled", "host.irqs_pending", "host.halted"]


def test_separators_and_spacing_do_not_matter():
    assert split_actions("  step   3 ;\n\n host_check;;reset ; ") == ["step 3", "host_check", "reset"]
    assert split_actions("") == [] and split_actions(" ;\n ") == []


def _error(text: str) -> dict:
    with pytest.raises(BadInput) as caught:
        parse_actions(text)
    return caught.value.detail


def test_an_unknown_verb_is_reported_with_its_position():
    detail = _error("step 2; jump 3")

    assert detail["action_index"] == 1 and detail["word"] == "jump" and detail["column"] == 9
    assert "step" in detail["expected"] and "run_until" in detail["expected"]


def test_an_unknown_register_or_field_is_reported():
    detail = _error("step\nset eflagz 1")

    assert (detail["action_index"], detail["word"], detail["line"], detail["column"]) == (1, "eflagz", 2, 5)
    assert "register" in detail["expected"] and "lguest_data" in detail["expected"]


@pytest.mark.parametrize("text, word", [
    ("set eax 0x100000000", "0x100000000"),
    ("raise_irq 32", "32"),
    ("step 0", "0"),
    ("set ZF 2", "2"),
    ("set hcall_status[3] 256", "256"),
])
def test_values_out_of_range_are_refused(text, word):
    detail = _error(text)

    assert detail["word"] == word and detail["column"] == text.index(word, len(text.split()[0])) + 1


@pytest.mark.parametrize("text, word, message", [
    ("step 1 2", "2", "too many"),
    ("set eax", "", "needs"),
    ("raise_irq", "", "needs"),
    ("run_until", "", "needs"),
    ("host_check now", "now", "too many"),
    ("run_until (x)", "(x)", "cannot run until"),
    ("step three", "three", "not a number"),
])
def test_malformed_actions_are_refused(text, word, message):
    with pytest.raises(BadInput) as caught:
        parse_actions(text)

    assert caught.value.detail["word"] == word and message in caught.value.message


def test_an_unknown_label_is_refused_when_the_run_meets_it(run):
    with pytest.raises(BadInput) as caught:
        run("g033-irq-enable-quiet", "step 2;  run_until no_such_label")

    detail = caught.value.detail
    assert (detail["action_index"], detail["word"], detail["column"]) == (1, "no_such_label", 20)


def test_a_symbol_value_out_of_range_for_a_flag_is_refused(run):
    with pytest.raises(BadInput) as caught:
        run("g033-irq-enable-quiet", "set CF lguest_data")

    assert caught.value.detail["word"] == "lguest_data"


def test_symbols_and_header_constants_are_values(run, build):
    result = run("g033-irq-enable-quiet", "set eax lguest_data+20; set ebx X86_EFLAGS_IF; set ecx THREAD_SIZE")

    regs = result.state.registers
    assert (regs["eax"], regs["ebx"], regs["ecx"]) == (build.address_of("lguest_data") + 20, 0x200, 8192)


def test_too_many_actions_is_too_large(run, settings):
    from dataclasses import replace

    with pytest.raises(TooLarge):
        run("g033-irq-enable-quiet", "step; " * 4, settings_=replace(settings, max_actions=3))


def test_the_process_keeps_serving_after_bad_input(run):
    with pytest.raises(BadInput):
        run("g033-irq-enable-quiet", "step; set nope 1")

    assert run("g033-irq-enable-quiet", "step 6").state.status == "finished"


def test_set_flag_register_and_fields(run):
    result = run("g033-irq-enable-quiet", "set CF 1; set edi 7; set irq_pending 0x200; set host.halted 1")

    state = result.state.to_json()
    assert state["flags"]["CF"] == 1 and state["registers"]["edi"] == 7
    assert state["host"]["halted"] is True and state["status"] == "halted"
    assert state["changed"] == ["host.halted"]
    assert not of_kind(result, "insn")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab1 \t\r\f\v\n;", max_size=40))
def test_canonical_is_the_words_of_each_piece_joined(text):
    """Checkpoint keys hash canonical(): the same action list however it is spaced, and nothing else."""
    pieces = [" ".join(p.split()) for p in text.replace("\n", ";").split(";")]
    assert canonical(text) == "; ".join(p for p in pieces if p)
    assert split_actions(text) == [p for p in pieces if p]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab1 \t\n;\x1c\xa0\x0b", max_size=30))
def test_an_action_lists_pieces_are_the_same_whether_or_not_it_was_split(text):
    fresh, split = ActionList(text), ActionList(text)
    split.spans()
    assert fresh.pieces() == split.pieces() == [" ".join(p.split()) for p in text.replace("\n", ";").split(";") if p.split()]
