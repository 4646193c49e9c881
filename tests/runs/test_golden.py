"""Golden traces: every bundled scenario's suggested tour, replayed, must give exactly the stored JSON.

The files are tests/golden/traces/<scenario>.json ({"scenario", "actions", "state", "events"}). After an
intended change (kernel text, glue, Host model, event fields), regenerate them and review the diff:

    JOURNEY_REGEN_GOLDEN=1 .venv/bin/pytest tests/runs/test_golden.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from journey_app import paths
from journey_app.guest import EnginePool
from journey_app.runs import load_scenarios

from .conftest import VERSION

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "traces"
SCENARIOS = [s.id for s in load_scenarios(paths.bundled_content_root(), VERSION)]


def _trace(run, scenario_id: str, actions: str) -> str:
    result = run(scenario_id, actions).to_json()
    payload = {"scenario": scenario_id, "actions": actions, "state": result["state"], "events": result["events"]}
    return json.dumps(payload, indent=1, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_scenario_tour_matches_its_golden_trace(run, settings, scenario_id):
    scenario = next(s for s in load_scenarios(settings.content_root, VERSION) if s.id == scenario_id)
    path = GOLDEN / f"{scenario_id}.json"

    trace = _trace(run, scenario_id, scenario.actions)

    if os.environ.get("JOURNEY_REGEN_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(trace, encoding="utf-8")
    assert path.is_file(), f"no golden trace for {scenario_id}: run with JOURNEY_REGEN_GOLDEN=1"
    assert trace == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_the_python_write_log_gives_the_same_trace(run, settings, scenario_id):
    # Machines log guest stores with the compiled hook (guest/writelog.c) where a C compiler exists; the
    # Python hook is the fallback, and both must make the same bytes.
    scenario = next(s for s in load_scenarios(settings.content_root, VERSION) if s.id == scenario_id)

    trace = _trace(lambda *a: run(*a, pool=EnginePool(native_writes=False)), scenario_id, scenario.actions)

    assert trace == (GOLDEN / f"{scenario_id}.json").read_text(encoding="utf-8")


def test_every_golden_trace_belongs_to_a_scenario():
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == sorted(SCENARIOS)
