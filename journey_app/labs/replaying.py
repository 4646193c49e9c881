"""The one place labs call the runs layer: replay a lab's scenario on a given build, as plain JSON.

Checks only ever see the JSON (state, events), so they stay independent of the runs classes.
"""

from __future__ import annotations

import dataclasses

from ..errors import TimeBudget
from ..runs import Run, replay
from ..settings import Settings


def lab_settings(lab, settings: Settings) -> Settings:
    """The settings a lab's runs use: the server's, with the lab's own instruction budget when it has one
    (grading and the lab page's live machine both run this way)."""
    if lab.insn_budget is None:
        return settings
    return dataclasses.replace(settings, insn_budget=lab.insn_budget)


def replay_json(catalog, lab, build, actions: str, settings: Settings | None = None) -> tuple[dict, list]:
    """(final state, every event) of `actions` on `lab.scenario`, run on `build` (edited or not)."""
    settings = lab_settings(lab, settings or catalog.settings)
    result = replay(Run(lab.version, lab.scenario, actions), catalog=catalog, settings=settings, build=build)
    if result.timed_out:   # a grade must not depend on how busy the server was
        raise TimeBudget(f"the run took longer than its time budget of {settings.run_seconds or 0:g} s and was "
                         "stopped; it was not graded", {"seconds": settings.run_seconds,
                                                       "insn_count": result.state.insn_count})
    return result.state.to_json(), [event.to_json() for event in result.events]
