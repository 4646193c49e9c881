"""Breakpoints, watchpoints, `continue` and the `stopped` event that says why a run stopped where it did."""

from __future__ import annotations

import pytest

from journey_app.errors import BadInput

from .conftest import of_kind


def stops(result) -> list[dict]:
    return of_kind(result, "stopped")


def test_run_until_hypercall_that_never_comes_says_so_and_names_the_deciding_jump(run):
    result = run("g033-irq-enable-quiet", "run_until hypercall")

    (stop,) = stops(result)
    assert stop["why"] == "ended"
    assert stop["message"].startswith("Reached journey_done")
    assert "before any hypercall: the Guest made none on the way" in stop["message"]
    # the source says jnz; Capstone says jne: the message uses the source's word and explains the other
    assert "`jnz send_interrupts` (`jne` in the disassembly: the same instruction) at line 79 (G:033)" in stop["message"]
    assert "was not taken (ZF = 1)" in stop["message"]
    assert result.state.stop == {k: stop[k] for k in ("action_index", "action", "why", "message")}


def test_run_until_a_label_never_reached_says_it_was_never_reached(run):
    (stop,) = stops(run("g033-irq-enable-quiet", "run_until send_interrupts"))
    assert "before reaching send_interrupts: it was never reached" in stop["message"]


def test_a_finished_run_refuses_more_steps_in_words(run):
    result = run("g033-irq-enable-quiet", "step 6; step")

    assert result.state.insn_count == 6
    assert stops(result)[-1]["why"] == "not_runnable"
    assert stops(result)[-1]["message"].startswith("Step did nothing: the run is finished (reached journey_done)")


def test_break_on_a_line_and_continue_stops_there_and_says_which(run):
    result = run("g033-irq-enable-quiet", "break L79; continue")

    assert result.state.location["line"] == 79
    (stop,) = stops(result)
    assert (stop["why"], stop["breakpoint"]["spec"], stop["breakpoint"]["line"]) == ("breakpoint", "L79", 79)
    assert result.state.breakpoints[0]["spec"] == "L79"


def test_a_breakpoint_on_a_line_without_code_moves_to_the_next_code_line(run):
    result = run("g033-irq-enable-quiet", "break L80; continue")   # 80 opens a comment; 85 is the ret
    assert result.state.breakpoints[0]["line"] == 85
    assert result.state.location["line"] == 85


def test_breakpoints_persist_across_reset_and_unbreak_removes_them(run):
    kept = run("g033-irq-enable-quiet", "break L79; reset; continue")
    assert kept.state.location["line"] == 79
    gone = run("g033-irq-enable-quiet", "break L79; unbreak L79; continue")
    assert gone.state.status == "finished" and gone.state.breakpoints == []


def test_run_until_stops_at_a_breakpoint_on_the_way(run):
    result = run("g033-irq-enable-quiet", "break L79; run_until journey_done")
    assert stops(result)[0]["why"] == "breakpoint"
    assert "before reaching journey_done" in stops(result)[0]["message"]


@pytest.mark.parametrize("watch, line", [("irq_enabled", 78), ("lguest_data.irq_enabled", 78),
                                         ("lguest_data+0:4", 78), ("esp", 71)])
def test_continue_stops_after_the_instruction_that_changed_a_watched_value(run, watch, line):
    result = run("g033-irq-enable-quiet", f"watch {watch}; continue")

    (stop,) = stops(result)
    assert stop["why"] == "watch"
    assert result.state.location["line"] == line
    assert result.state.watches[0]["value"] == stop["new"]
    assert stop["old"] != stop["new"]


def test_a_flag_watch_and_unwatch(run):
    result = run("g033-irq-enable-quiet", "watch ZF; unwatch ZF; continue")
    assert result.state.watches == [] and result.state.status == "finished"


@pytest.mark.parametrize("actions, word", [("break nowhere_at_all", "nowhere_at_all"), ("break L99999", "L99999"),
                                           ("watch lguest_data+0:999", "lguest_data+0:999"), ("unbreak L79", "L79"),
                                           ("continue now", "now"), ("watch", "")])
def test_bad_debugger_actions_point_at_the_word(run, actions, word):
    with pytest.raises(BadInput) as err:
        run("g033-irq-enable-quiet", actions)
    assert err.value.detail["word"] == word


def test_breakpoints_and_watches_are_capped_and_the_refusal_names_the_word(run):
    """4,000 `break`s spent a whole run's budget before one instruction ran; the 65th is refused instead, while
    setting the same one again (a replacement) and 64 distinct ones are fine."""
    from journey_app.runs.debug import MAX_BREAKPOINTS, MAX_WATCHES

    addresses = [f"{0xc0100000 + 4 * i:#x}" for i in range(MAX_BREAKPOINTS + 1)]
    sixty_four = "; ".join(f"break {a}" for a in addresses[:-1])
    assert len(run("g033-irq-enable-quiet", sixty_four + f"; break {addresses[0]}").state.breakpoints) == 64
    with pytest.raises(BadInput) as err:
        run("g033-irq-enable-quiet", sixty_four + f"; break {addresses[-1]}")
    assert err.value.detail["word"] == addresses[-1] and err.value.detail["action_index"] == MAX_BREAKPOINTS

    watches = [f"lguest_data+{i}:1" for i in range(MAX_WATCHES + 1)]
    with pytest.raises(BadInput) as err:
        run("g033-irq-enable-quiet", "; ".join(f"watch {w}" for w in watches))
    assert err.value.detail["word"] == watches[-1]


def test_a_run_cut_short_by_the_wall_clock_says_so(run, settings):
    """The site's wall clock (JOURNEY_RUN_SECONDS) ends a long run_until: the stop names the time budget and
    the instructions run, and claims neither that the instruction budget was used nor that the label was
    never reached. The ring-full tour runs ~5,000 instructions of C in 0.1-0.6 s; the first of these clocks
    that lets the run start but not finish is used (how far a run gets in 5 ms depends on the machine)."""
    import dataclasses

    for seconds in (0.005, 0.01, 0.02, 0.04):
        result = run("g037-ring-full", "run_until journey_done",
                     settings_=dataclasses.replace(settings, run_seconds=seconds))
        if result.state.status == "budget" and stops(result):
            break
    assert result.state.status == "budget"
    (stop,) = stops(result)
    assert stop["message"].startswith(f"Ran out of its time budget of {seconds:g} s after ")
    assert "before reaching journey_done (the server is busy: try again)." in stop["message"]
    assert "never reached" not in stop["message"] and "100000" not in stop["message"]
