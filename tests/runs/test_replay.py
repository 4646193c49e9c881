"""replay(): deterministic JSON, checkpoints that change nothing but speed, step back, the budget, faults,
and the State/Event JSON contract the web explorer reads."""

from __future__ import annotations

import json
from dataclasses import replace

from journey_app.runs import CheckpointCache

from .conftest import kinds, of_kind

TOUR = "step 6; host_check; raise_irq 2; host_check; run_until journey_done; reset; step 3; run_until ret"


def _json(result) -> str:
    return json.dumps(result.to_json(), sort_keys=False)


def test_the_same_run_twice_gives_identical_json(run):
    first = run("g033-irq-enable-pending", TOUR)

    second = run("g033-irq-enable-pending", TOUR)

    assert _json(first) == _json(second)


def test_a_run_answered_from_checkpoints_is_identical_to_a_cold_run(run):
    actions = [a.strip() for a in TOUR.split(";")] * 10           # 80 actions, several stride checkpoints
    cache = CheckpointCache()
    for n in range(1, len(actions) + 1):                            # the way a client steps, one more each time
        warm = run("g033-irq-enable-pending", "; ".join(actions[:n]), cache=cache)

    cold = run("g033-irq-enable-pending", "; ".join(actions))

    assert _json(warm) == _json(cold)
    assert cache.hits >= len(actions) - 1


def test_step_back_is_the_replay_of_the_list_minus_its_last_action(run):
    cache = CheckpointCache()
    run("g033-irq-enable-pending", "step 3; host_check; step", cache=cache)

    back = run("g033-irq-enable-pending", "step 3; host_check", cache=cache)

    assert _json(back) == _json(run("g033-irq-enable-pending", "step 3; host_check"))


def test_events_from_returns_the_tail_starting_at_that_action(run):
    full = run("g033-irq-enable-pending", "step 2; host_check; step 2")

    tail = run("g033-irq-enable-pending", "step 2; host_check; step 2", events_from=2)

    assert tail.events[0].kind == "action" and tail.events[0].fields["action_index"] == 2
    assert [e.to_json() for e in tail.events] == [e.to_json() for e in full.events[-len(tail.events):]]
    assert tail.state == full.state


def test_every_event_names_its_place_in_the_source(run):
    result = run("g033-irq-enable-pending", "step 3")

    for event in result.events:
        data = event.to_json()
        assert list(data)[:6] == ["seq", "kind", "eip", "file", "line", "chapter"]
    insn = of_kind(result, "insn")[1]
    assert (insn["file"], insn["chapter"]) == ("arch/x86/lguest/i386_head.S", "G:033")
    assert [e.seq for e in result.events] == list(range(len(result.events)))


def test_state_json_has_the_contract_fields(run):
    state = run("g033-irq-enable-pending", "step").state.to_json()

    assert list(state) == ["scenario", "version", "status", "reason", "insn_count", "eip", "location", "next_insn",
                           "registers", "flags", "lguest_data", "host", "stack", "changed",
                           "breakpoints", "watches", "stop", "locals"]
    assert list(state["registers"]) == ["eax", "ebx", "ecx", "edx", "esi", "edi", "esp", "ebp", "eip", "eflags",
                                        "cs", "ss", "ds", "es"]
    assert list(state["flags"]) == ["CF", "PF", "AF", "ZF", "SF", "TF", "IF", "DF", "OF"]
    assert set(state["location"]) == {"address", "symbol", "file", "line", "chapter"}
    assert {"initialised", "lguest_data", "irqs_pending", "blocked", "halted", "dead", "noirq_start", "noirq_end",
            "idt", "gdt", "timer", "pagetables", "patched"} <= set(state["host"])
    assert state["locals"] == []                          # assembler code has no C variables
    names = [f["name"] for f in state["lguest_data"]["fields"]]
    assert names[:6] == ["irq_enabled", "blocked_interrupts", "cr2", "time.tv_sec", "time.tv_nsec", "irq_pending"]
    assert "hcalls" not in names and len(state["host"]["idt"]) == 32
    assert {"address", "value", "label"} <= set(state["stack"][0])
    assert state["changed"] == ["esp", "eip"]


def test_a_runaway_run_ends_with_a_budget_event_not_an_error(run, settings):
    small = replace(settings, insn_budget=500)

    result = run("g033-irq-enable-quiet", "set eip lguest_init; run_until 0xdeadbeef; step", settings_=small)

    # the last `step` runs nothing, and says so
    assert kinds(result.events)[-4:] == ["budget", "stopped", "action", "stopped"]
    assert result.state.stop["why"] == "not_runnable"
    (budget,) = of_kind(result, "budget")
    assert budget["budget"] == 500
    assert (result.state.status, result.state.insn_count) == ("budget", 500)


def test_the_budget_covers_the_whole_run_even_across_reset(run, settings):
    small = replace(settings, insn_budget=10)

    result = run("g033-irq-enable-quiet", "step 6; reset; step 6", settings_=small)

    assert result.state.insn_count == 10 and result.state.status == "budget"


def test_fetching_outside_guest_memory_is_a_fault_event_and_the_host_kills(run):
    result = run("g033-irq-enable-quiet", "set eip 0x1000000; step")

    fault, = of_kind(result, "fault")
    assert fault["trap"] == 14 and "16 MiB" in fault["explanation"]
    assert result.state.status == "dead"
    assert result.state.reason == "unhandled trap 14 at 0x1000000 (0x1000000)"


def test_single_step_trap_from_tf_is_a_fault(run):
    result = run("g033-irq-enable-quiet", "set TF 1; step")

    fault, = of_kind(result, "fault")
    assert fault["trap"] == 1 and result.state.status == "dead"


def test_reset_starts_the_scenario_again_but_keeps_the_history(run):
    result = run("g033-irq-enable-pending", "step 6; reset")

    assert result.state.location["symbol"] == "journey_call_irq_enable" and result.state.status == "running"
    assert result.state.insn_count == 6 and len(of_kind(result, "insn")) == 6


def test_run_until_ret_stops_after_the_ret(run, build):
    result = run("g033-irq-enable-quiet", "step; run_until ret")

    assert result.state.eip == build.address_of("journey_call_irq_enable") + 5
    assert of_kind(result, "insn")[-1]["text"].startswith("ret")


def test_run_until_an_address_counts_the_instructions(run, build):
    result = run("g033-irq-enable-quiet", "run_until send_interrupts")

    # lg_irq_enable never reaches send_interrupts: the run goes on to journey_done and finishes there
    assert result.state.status == "finished" and result.state.insn_count == 6


def test_the_no_scenario_and_unknown_version_errors(run, catalog, settings, build):
    import pytest

    from journey_app.errors import NotFound
    from journey_app.runs import Run, replay

    with pytest.raises(NotFound):
        run("no-such-scenario", "step")
    with pytest.raises(NotFound):
        replay(Run("9.9.9", "g020-boot", ""), catalog=catalog, settings=settings)


def test_a_checkpoint_made_on_one_engine_resumes_on_another(run):
    from journey_app.guest import EnginePool

    cache = CheckpointCache()
    run("g033-restore-fl-pending", "step 6", cache=cache, pool=EnginePool())

    resumed = run("g033-restore-fl-pending", "step 6; step", cache=cache, pool=EnginePool())

    assert cache.hits == 1
    assert _json(resumed) == _json(run("g033-restore-fl-pending", "step 6; step"))


def test_past_the_event_limit_insn_events_are_counted_not_kept(run, monkeypatch):
    from journey_app.runs import runner

    monkeypatch.setattr(runner, "EVENT_LIMIT", 10)

    result = run("g033-irq-enable-quiet", "set eip lguest_init; step 20")

    # two action events, then 8 of the 20 insn events fit under the limit; seq still counts the rest
    assert (len(result.events), result.events_dropped) == (10, 12)
    assert [e.seq for e in result.events] == list(range(10)) and result.state.insn_count == 20


def test_past_the_event_limit_mem_write_events_are_counted_not_kept(run, monkeypatch):
    from journey_app.runs import runner

    whole = run("g037-ring-full", "run_until hypercall")
    writes = [e for e in whole.events if e.kind == "mem_write"]
    assert len(writes) > 500 and whole.events_dropped == 0
    monkeypatch.setattr(runner, "EVENT_LIMIT", 300)

    cut = run("g037-ring-full", "run_until hypercall")

    # the first 300 events are the same; the writes past the limit are numbered and counted, not kept
    kept = [e for e in cut.events if e.kind == "mem_write"]
    assert [e.to_json() for e in kept] == [e.to_json() for e in whole.events[:len(kept) + 1] if e.kind == "mem_write"]
    assert cut.events_dropped == len(writes) - len(kept)
    assert [e.seq for e in cut.events[:300]] == list(range(300))
    assert [e.to_json() for e in cut.events[300:]] == [e.to_json() for e in whole.events[-(len(cut.events) - 300):]]


def test_a_quick_event_is_the_event_the_constructor_makes(run):
    from journey_app.runs.events import Event, quick_event

    where = run("g033-irq-enable-quiet", "step").events[0].where
    made, quick = Event(3, "mem_write", where, {"address": 1}), quick_event(3, "mem_write", where, {"address": 1})

    assert quick == made and quick.to_json() == made.to_json()
    assert vars(quick) == vars(made)



def test_counts_with_leading_zeros_are_decimal_like_the_grammar_says(run):
    """`step 010` parses (the grammar's decimal is [0-9]+) and is ten steps; the verbs read it with
    int(word, 0), which refuses leading zeros: a ValueError, a 500 on the site."""
    for padded, plain in (("step 010", "step 10"), ("step_line 02", "step_line 2"), ("next_line 02", "next_line 2"),
                          ("raise_irq 01; host_check", "raise_irq 1; host_check")):
        a, b = run("g020-boot", padded).to_json(), run("g020-boot", plain).to_json()
        assert [e["kind"] for e in a["events"]] == [e["kind"] for e in b["events"]], padded
        assert (a["state"]["insn_count"], a["state"]["eip"]) == (b["state"]["insn_count"], b["state"]["eip"])
