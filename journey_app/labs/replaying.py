"""The one place labs call the runs layer: replay a lab's scenario on a given build, as plain JSON.

Checks only ever see the JSON (state, events), so they stay independent of the runs classes.
"""

from __future__ import annotations

import dataclasses

from ..errors import TimeBudget
from ..runs import Run, replay, split_actions
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


def try_run_json(catalog, lab, build, actions: str, settings: Settings, events_from: int = 0) -> dict:
    """The lab page's live machine (not a grade): the lab's setup, then the student's `actions`, on `build`,
    as POST /api/run's JSON (Run.to_json), with the lab's own budget. Action indices count from the
    student's first action and the setup's events are action -1, like a scenario's own set-up, so the
    explorer renders it unchanged; `events_from` counts the student's events only. Never the lab's finish:
    that belongs to grading (compose_actions)."""
    setup = len(split_actions(lab.setup))
    text = "\n".join(part for part in (lab.setup.strip(), actions.strip()) if part)
    result = replay(Run(lab.version, lab.scenario, text), catalog=catalog, settings=lab_settings(lab, settings),
                    build=build, events_from=setup + events_from if events_from else 0).to_json()
    for event in result["events"]:
        index = event.get("action_index")
        if isinstance(index, int):
            event["action_index"] = index - setup if index >= setup else -1
    result["actions"] = result["actions"][setup:]
    result["events_from"] = events_from
    return result
