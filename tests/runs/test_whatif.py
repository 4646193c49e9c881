"""What-if: a run forked with one change, and where the two first differ."""

from __future__ import annotations

import dataclasses

import pytest

from journey_app.errors import BadInput, TooLarge
from journey_app.runs import CheckpointCache, Run
from journey_app.runs.whatif import fork_actions, what_if

from .conftest import VERSION


def test_the_fork_is_the_base_with_the_change_before_action_at():
    assert fork_actions(["step 2", "host_check"], 1, "set irq_enabled 0") == ["step 2", "set irq_enabled 0", "host_check"]
    assert fork_actions([], 0, "raise_irq 1") == ["raise_irq 1"]


@pytest.mark.parametrize("at, change", [(5, "set IF 0"), (0, "step"), (0, "set IF 0; set ZF 1"), (0, "set nothing 1")])
def test_a_bad_fork_is_bad_input(at, change):
    with pytest.raises(BadInput):
        fork_actions(["step"], at, change)


def test_irq_enabled_0_before_the_host_looks_turns_delivery_into_irqs_disabled(catalog, settings, build):
    result = what_if(Run(VERSION, "g033-irq-enable-pending", "step 2; host_check; step 3"), 1, "set irq_enabled 0",
                     catalog=catalog, settings=settings, build=build, cache=CheckpointCache())

    diff = result.difference
    assert diff["decision"]["base"]["rule"] == "deliver"
    assert diff["decision"]["fork"]["rule"] == "irqs_disabled"
    assert diff["first_event"]["base"]["kind"] == "decision"
    assert {"name": "host.irqs_pending", "base": 0, "fork": 2} in diff["state"]
    assert not diff["same"]


def test_a_change_that_changes_nothing_says_same(catalog, settings, build):
    result = what_if(Run(VERSION, "g033-irq-enable-quiet", "step 6"), 1, "set irq_pending 0",
                     catalog=catalog, settings=settings, build=build, cache=CheckpointCache())
    assert result.difference["same"] is True


def test_under_a_wall_clock_the_two_replays_share_one_runs_budget(catalog, settings, build):
    """A what-if is two replays: with the site's clock each gets half of run_seconds, or a what-if on a
    long run (plus an edited build) took twice a run's time and more than a request may."""
    clocked = dataclasses.replace(settings, run_seconds=0.1)
    result = what_if(Run(VERSION, "g033-restore-fl-first", "set eip 0; " + "; ".join(["step 10000"] * 10)), 1,
                     "set eax 0", catalog=catalog, settings=clocked, build=build, cache=CheckpointCache())

    for side in (result.base, result.fork):
        budget = [e.to_json() for e in side.events if e.kind == "budget"]
        assert budget and budget[-1]["seconds"] == 0.05


def test_a_fork_over_the_action_limit_is_refused_before_anything_is_replayed(catalog, settings, build):
    limited = dataclasses.replace(settings, max_actions=3)
    cache = CheckpointCache()
    with pytest.raises(TooLarge):
        what_if(Run(VERSION, "g033-restore-fl-first", "step; step; step"), 3, "host_check",
                catalog=catalog, settings=limited, build=build, cache=cache)
    assert cache.hits == 0 and len(cache) == 0
